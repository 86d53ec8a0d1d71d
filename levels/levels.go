// Package levels defines the fapilog levels, parses them, and maps them onto
// OpenTelemetry severities.
//
//	level     priority  OTel severity number  severity text
//	DEBUG     10        5  (DEBUG)            DEBUG
//	INFO      20        9  (INFO)             INFO
//	WARNING   30        13 (WARN)             WARNING
//	ERROR     40        17 (ERROR)            ERROR
//	CRITICAL  50        21 (FATAL)            CRITICAL
//	AUDIT     60        22 (FATAL2)           AUDIT
//	SECURITY  70        23 (FATAL3)           SECURITY
//
// A Level is an int: its priority. The seven standard levels keep fapilog's
// priorities (DEBUG 10 … SECURITY 70). OpenTelemetry severity numbers stop at
// 24, so AUDIT and SECURITY sit at the top of the FATAL range (22 and 23) and
// are told apart by severity text; the order of priorities is kept, so a
// "severity >= X" filter downstream never loses them.
//
// The standard levels are constants and never change. Custom levels may be
// added with Register before the first logger is created; after that the
// table is frozen, so the hot path reads it without locks.
package levels

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/log"

	"github.com/fapilog/fapilog-go/internal/levelreg"
)

// Level is a fapilog level. Its value is the priority: a higher level is more
// severe. The zero Level is not a valid level.
type Level int

// The standard fapilog levels.
const (
	Debug    Level = 10
	Info     Level = 20
	Warning  Level = 30
	Error    Level = 40
	Critical Level = 50
	Audit    Level = 60
	Security Level = 70
)

// ErrFrozen is returned by Register once a logger has been created.
var ErrFrozen = errors.New("levels: the level table is frozen: register custom levels before the first logger is created")

// ErrUnknown is wrapped by Parse when a name matches no level.
var ErrUnknown = errors.New("levels: unknown level")

// custom is a registered level.
type custom struct {
	name     string
	level    Level
	severity log.Severity
}

var (
	registerMu sync.Mutex
	// customs is replaced, never mutated, so readers need no lock.
	customs atomic.Pointer[[]custom]
)

// Severity returns the OpenTelemetry severity number of l (see the table in
// the package documentation). A level that is neither standard nor
// registered gets the severity its priority falls on between the standard
// levels.
func (l Level) Severity() log.Severity {
	switch l {
	case Debug:
		return log.SeverityDebug
	case Info:
		return log.SeverityInfo
	case Warning:
		return log.SeverityWarn
	case Error:
		return log.SeverityError
	case Critical:
		return log.SeverityFatal
	case Audit:
		return log.SeverityFatal2
	case Security:
		return log.SeverityFatal3
	}
	if c, ok := lookup(l); ok {
		return c.severity
	}
	return interpolate(int(l))
}

// String returns the severity text of l: "DEBUG", "INFO", "WARNING", "ERROR",
// "CRITICAL", "AUDIT", "SECURITY", a registered name, or "LEVEL(n)".
func (l Level) String() string {
	switch l {
	case Debug:
		return "DEBUG"
	case Info:
		return "INFO"
	case Warning:
		return "WARNING"
	case Error:
		return "ERROR"
	case Critical:
		return "CRITICAL"
	case Audit:
		return "AUDIT"
	case Security:
		return "SECURITY"
	}
	if c, ok := lookup(l); ok {
		return c.name
	}
	return "LEVEL(" + strconv.Itoa(int(l)) + ")"
}

// FromSeverity returns the level a record with severity number n and text
// was logged at, so that FromSeverity(l.Severity(), l.String()) == l. The text
// wins when it names a level (case-insensitively, aliases included); otherwise
// the number decides: 1–8 DEBUG, 9–12 INFO, 13–16 WARNING, 17–20 ERROR,
// 21 and 24 CRITICAL, 22 AUDIT, 23 SECURITY, anything else INFO.
func FromSeverity(n log.Severity, text string) Level {
	if text != "" {
		if l, err := Parse(text); err == nil {
			return l
		}
	}
	switch {
	case n >= 1 && n <= 8:
		return Debug
	case n >= 9 && n <= 12:
		return Info
	case n >= 13 && n <= 16:
		return Warning
	case n >= 17 && n <= 20:
		return Error
	case n == 22:
		return Audit
	case n == 23:
		return Security
	case n == 21 || n == 24:
		return Critical
	}
	return Info
}

// Parse returns the level named by name, case-insensitively. It accepts the
// standard names, the aliases WARN (WARNING) and FATAL (CRITICAL), registered
// names, and a decimal priority such as "25".
func Parse(name string) (Level, error) {
	s := strings.TrimSpace(name)
	switch strings.ToUpper(s) {
	case "DEBUG":
		return Debug, nil
	case "INFO":
		return Info, nil
	case "WARNING", "WARN":
		return Warning, nil
	case "ERROR":
		return Error, nil
	case "CRITICAL", "FATAL":
		return Critical, nil
	case "AUDIT":
		return Audit, nil
	case "SECURITY":
		return Security, nil
	}
	if p := customs.Load(); p != nil {
		for _, c := range *p {
			if strings.EqualFold(c.name, s) {
				return c.level, nil
			}
		}
	}
	if n, err := strconv.Atoi(s); err == nil && n > 0 {
		return Level(n), nil
	}
	return 0, fmt.Errorf("%w %q: want DEBUG, INFO, WARNING (WARN), ERROR, CRITICAL (FATAL), AUDIT, SECURITY, a registered name or a positive priority", ErrUnknown, name)
}

// Register adds a custom level with the given name and priority and returns
// it. Its severity number is where its priority falls between the standard
// levels (for example 25, between INFO 20 and WARNING 30, exports as
// severity 11, INFO3), and its severity text is the upper-cased name.
//
// Register must be called before the first logger is created (typically in
// an init function or at the top of main); afterwards it returns ErrFrozen.
// Names and priorities must be unique among all levels.
func Register(name string, priority int) (Level, error) {
	name = strings.ToUpper(strings.TrimSpace(name))
	if name == "" {
		return 0, errors.New("levels: Register: empty name")
	}
	if priority <= 0 {
		return 0, fmt.Errorf("levels: Register %q: priority %d must be positive", name, priority)
	}
	registerMu.Lock()
	defer registerMu.Unlock()
	if levelreg.Frozen() {
		return 0, ErrFrozen
	}
	l := Level(priority)
	if _, err := Parse(name); err == nil {
		return 0, fmt.Errorf("levels: Register %q: the name is taken", name)
	}
	if isStandard(l) {
		return 0, fmt.Errorf("levels: Register %q: priority %d is the standard level %s", name, priority, l)
	}
	var next []custom
	if p := customs.Load(); p != nil {
		for _, c := range *p {
			if c.level == l {
				return 0, fmt.Errorf("levels: Register %q: priority %d is taken by %s", name, priority, c.name)
			}
		}
		next = append(next, *p...)
	}
	next = append(next, custom{name: name, level: l, severity: interpolate(priority)})
	customs.Store(&next)
	return l, nil
}

// Standard returns the seven standard levels in priority order.
func Standard() []Level {
	return []Level{Debug, Info, Warning, Error, Critical, Audit, Security}
}

func isStandard(l Level) bool {
	switch l {
	case Debug, Info, Warning, Error, Critical, Audit, Security:
		return true
	}
	return false
}

func lookup(l Level) (custom, bool) {
	if p := customs.Load(); p != nil {
		for _, c := range *p {
			if c.level == l {
				return c, true
			}
		}
	}
	return custom{}, false
}

// interpolate places a priority between the severities of the standard
// levels around it, so custom levels keep their order on the wire.
func interpolate(p int) log.Severity {
	points := [...]struct {
		p int
		s log.Severity
	}{{0, log.SeverityTrace1}, {10, log.SeverityDebug}, {20, log.SeverityInfo}, {30, log.SeverityWarn},
		{40, log.SeverityError}, {50, log.SeverityFatal}, {60, log.SeverityFatal2}, {70, log.SeverityFatal3}, {80, log.SeverityFatal4}}
	if p <= 0 {
		return log.SeverityTrace1
	}
	if p >= 80 {
		return log.SeverityFatal4
	}
	for i := 1; i < len(points); i++ {
		lo, hi := points[i-1], points[i]
		if p <= hi.p {
			return lo.s + log.Severity((p-lo.p)*int(hi.s-lo.s)/(hi.p-lo.p))
		}
	}
	return log.SeverityFatal4
}

// Mapping overrides how levels are exported: it returns the severity number
// and text for a level. Use it with fapilog.WithSeverityMapping; the default
// is DefaultMapping.
type Mapping func(Level) (log.Severity, string)

// DefaultMapping is the table in the package documentation.
func DefaultMapping(l Level) (log.Severity, string) { return l.Severity(), l.String() }
