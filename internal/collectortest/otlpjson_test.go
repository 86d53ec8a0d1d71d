package collectortest

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseLogsEdgeCases(t *testing.T) {
	line1 := `{"resourceLogs":[{"resource":{},"scopeLogs":[{"scope":{"name":"s"},"logRecords":[` +
		`{"timeUnixNano":"0","severityNumber":"SEVERITY_NUMBER_ERROR2","body":{},` +
		`"traceId":"","spanId":"0000000000000000","attributes":[` +
		`{"key":"nan","value":{"doubleValue":"NaN"}},` +
		`{"key":"inf","value":{"doubleValue":"-Infinity"}},` +
		`{"key":"num","value":{"doubleValue":2}},` +
		`{"key":"plainint","value":{"intValue":5}},` +
		`{"key":"empty","value":{}},` +
		`{"key":"emptylist","value":{"arrayValue":{}}},` +
		`{"key":"emptymap","value":{"kvlistValue":{}}},` +
		`{"key":"bytes","value":{"bytesValue":"AAH/"}}]},` +
		`{"timeUnixNano":1000000001,"severityNumber":9,"flags":1,"traceId":"ABCDEF0123456789ABCDEF0123456789"}` +
		`]}]}]}`
	partial := `{"resourceLogs":[{"scopeLogs":[{"logRe`
	recs, err := ParseLogs([]byte(line1 + "\n\n" + partial))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 {
		t.Fatalf("got %d records, want 2", len(recs))
	}
	r := recs[0]
	if !r.Time.IsZero() || !r.ObservedTime.IsZero() {
		t.Errorf("times %v %v, want zero", r.Time, r.ObservedTime)
	}
	if r.SeverityNumber != 18 || r.Body != nil || r.TraceID != "" || r.SpanID != "" || r.ScopeName != "s" {
		t.Errorf("record 0 = %+v", r)
	}
	if v, ok := r.Attrs["nan"].(float64); !ok || !math.IsNaN(v) {
		t.Errorf("nan = %#v", r.Attrs["nan"])
	}
	want := map[string]any{
		"inf": math.Inf(-1), "num": 2.0, "plainint": int64(5), "empty": nil,
		"emptylist": []any{}, "emptymap": map[string]any{}, "bytes": []byte{0, 1, 0xff},
	}
	for k, w := range want {
		if got, ok := r.Attrs[k]; !ok || !reflect.DeepEqual(got, w) {
			t.Errorf("%s = %#v (present %v), want %#v", k, got, ok, w)
		}
	}
	r = recs[1]
	if !r.Time.Equal(time.Unix(1, 1)) || r.SeverityNumber != 9 || r.Flags != 1 ||
		r.TraceID != "abcdef0123456789abcdef0123456789" || len(r.ResourceAttrs) != 0 {
		t.Errorf("record 1 = %+v", r)
	}

	// A malformed line that is not the last one is an error.
	if _, err := ParseLogs([]byte(partial + "\n" + line1 + "\n")); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("malformed first line: err = %v", err)
	}
	if _, err := ParseLogs([]byte(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"severityNumber":"BOGUS"}]}]}]}` + "\n")); err == nil {
		t.Error("unknown severity name accepted")
	}
}

func TestTrimPartialLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	if err := trimPartialLine(path); err != nil { // missing file
		t.Fatal(err)
	}
	for _, tc := range []struct{ in, want string }{
		{"a\nb\n", "a\nb\n"},
		{"a\nb", "a\n"},
		{"partial", ""},
	} {
		if err := os.WriteFile(path, []byte(tc.in), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := trimPartialLine(path); err != nil {
			t.Fatal(err)
		}
		if got, _ := os.ReadFile(path); string(got) != tc.want {
			t.Errorf("trim(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSourceHashIgnoresOtherFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("main.go", "package main\n")
	write("go.mod", "module x\n")
	write("go.sum", "")
	h1, err := SourceHash(dir)
	if err != nil {
		t.Fatal(err)
	}
	write("README.md", "docs")
	if h2, _ := SourceHash(dir); h2 != h1 {
		t.Errorf("README changed the hash")
	}
	write("main.go", "package main // changed\n")
	if h3, _ := SourceHash(dir); h3 == h1 || len(h3) != 16 {
		t.Errorf("hash %q after a source change (was %q)", h3, h1)
	}
}
