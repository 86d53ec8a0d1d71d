package levels

import (
	"errors"
	"testing"

	"go.opentelemetry.io/otel/log"

	"github.com/fapilog/fapilog-go/internal/levelreg"
)

func TestStandardLevelsMapToTheAPITable(t *testing.T) {
	tests := []struct {
		level    Level
		priority int
		severity log.Severity
		text     string
	}{
		{Debug, 10, 5, "DEBUG"},
		{Info, 20, 9, "INFO"},
		{Warning, 30, 13, "WARNING"},
		{Error, 40, 17, "ERROR"},
		{Critical, 50, 21, "CRITICAL"},
		{Audit, 60, 22, "AUDIT"},
		{Security, 70, 23, "SECURITY"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			if int(tt.level) != tt.priority {
				t.Errorf("priority = %d, want %d", tt.level, tt.priority)
			}
			if got := tt.level.Severity(); got != tt.severity {
				t.Errorf("Severity() = %d, want %d", got, tt.severity)
			}
			if got := tt.level.String(); got != tt.text {
				t.Errorf("String() = %q, want %q", got, tt.text)
			}
			if got := FromSeverity(tt.severity, tt.text); got != tt.level {
				t.Errorf("FromSeverity(%d, %q) = %v, want %v", tt.severity, tt.text, got, tt.level)
			}
			if got := FromSeverity(tt.severity, ""); got != tt.level {
				t.Errorf("FromSeverity(%d, \"\") = %v, want %v (number alone)", tt.severity, got, tt.level)
			}
		})
	}
}

func TestSeverityOrderFollowsPriority(t *testing.T) {
	std := Standard()
	for i := 1; i < len(std); i++ {
		if std[i].Severity() <= std[i-1].Severity() {
			t.Errorf("%v (%d) is not above %v (%d)", std[i], std[i].Severity(), std[i-1], std[i-1].Severity())
		}
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Level
	}{
		{"debug", Debug}, {"INFO", Info}, {"Warning", Warning}, {"warn", Warning},
		{"error", Error}, {"critical", Critical}, {"FATAL", Critical}, {"fatal", Critical},
		{"audit", Audit}, {"SECURITY", Security}, {" info ", Info}, {"25", Level(25)},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("Parse(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "verbose", "-3", "0", "INFOO"} {
		if _, err := Parse(bad); !errors.Is(err, ErrUnknown) {
			t.Errorf("Parse(%q) error = %v, want ErrUnknown", bad, err)
		}
	}
}

func TestFromSeverityByNumberAlone(t *testing.T) {
	tests := []struct {
		n    log.Severity
		want Level
	}{
		{1, Debug}, {8, Debug}, {9, Info}, {12, Info}, {13, Warning}, {16, Warning},
		{17, Error}, {20, Error}, {21, Critical}, {22, Audit}, {23, Security}, {24, Critical}, {0, Info}, {99, Info},
	}
	for _, tt := range tests {
		if got := FromSeverity(tt.n, ""); got != tt.want {
			t.Errorf("FromSeverity(%d) = %v, want %v", tt.n, got, tt.want)
		}
	}
	if got := FromSeverity(22, "not a level"); got != Audit {
		t.Errorf("unknown text must fall back to the number: got %v", got)
	}
}

func TestUnregisteredPrioritiesKeepTheirOrder(t *testing.T) {
	prev := log.Severity(0)
	for p := 1; p <= 90; p++ {
		s := Level(p).Severity()
		if s < prev || s < 1 || s > 24 {
			t.Fatalf("priority %d → severity %d (previous %d): not monotonic within 1..24", p, s, prev)
		}
		prev = s
	}
	if got := Level(25).String(); got != "LEVEL(25)" {
		t.Errorf("String of an unregistered level = %q", got)
	}
}

// TestRegisterThenFreeze runs as one test because the table is process-wide.
func TestRegisterThenFreeze(t *testing.T) {
	notice, err := Register("notice", 25)
	if err != nil {
		t.Fatal(err)
	}
	if notice != Level(25) || notice.String() != "NOTICE" || notice.Severity() != log.SeverityInfo3 {
		t.Fatalf("NOTICE = %d %q severity %d; want 25 NOTICE 11", notice, notice, notice.Severity())
	}
	if got, err := Parse("Notice"); err != nil || got != notice {
		t.Errorf("Parse(Notice) = %v, %v", got, err)
	}
	if got := FromSeverity(notice.Severity(), notice.String()); got != notice {
		t.Errorf("NOTICE does not round-trip: %v", got)
	}
	for _, tc := range []struct {
		name string
		prio int
	}{{"notice", 26}, {"other", 25}, {"dup", 40}, {"", 5}, {"neg", -1}, {"warn", 33}} {
		if _, err := Register(tc.name, tc.prio); err == nil {
			t.Errorf("Register(%q, %d) succeeded, want an error", tc.name, tc.prio)
		}
	}
	levelreg.Freeze() // what building the first logger does
	if _, err := Register("late", 33); !errors.Is(err, ErrFrozen) {
		t.Errorf("Register after Freeze: %v, want ErrFrozen", err)
	}
}

func BenchmarkSeverity(b *testing.B) {
	for b.Loop() {
		_ = Audit.Severity()
		_ = Audit.String()
	}
}
