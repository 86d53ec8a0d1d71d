package exporter

import (
	"encoding/base64"
	"encoding/hex"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"

	"github.com/fapilog/fapilog-go/levels"
)

// ConsoleFormat is how the console exporter writes records. Its values are
// the values of FAPILOG_CONSOLE_FORMAT.
type ConsoleFormat string

// The console formats.
const (
	// ConsoleAuto (also the zero value) writes [ConsolePretty] when the
	// console writer is a terminal and [ConsoleJSON] otherwise, so a
	// developer sees readable lines and a log shipper sees JSON.
	ConsoleAuto ConsoleFormat = "auto"
	// ConsoleJSON writes one JSON object per record and line ([NewConsole]).
	ConsoleJSON ConsoleFormat = "json"
	// ConsolePretty writes one readable line per record ([NewPretty]),
	// coloured when the writer is a terminal and NO_COLOR is not set.
	ConsolePretty ConsoleFormat = "pretty"
)

// String returns the format's name ("auto" for the zero value).
func (f ConsoleFormat) String() string {
	if f == "" {
		return string(ConsoleAuto)
	}
	return string(f)
}

// pretty encodes one readable line per record.
type pretty struct {
	color bool
	loc   *time.Location // nil: time.Local (tests fix it)
}

// NewPretty returns an exporter for people: it writes each record to w as
// one line, each batch in a single Write call. A nil w means os.Stdout. The
// writer is not closed by Shutdown. With color, ANSI colours mark the level
// and set the parts apart; pass false for files, pipes and NO_COLOR.
//
//	15:04:05.000 WARNING  checkout: Disk space low free_gb=3.5 disk.path=/var trace=4bf92f35
//
// The parts, in order:
//
//   - the record's time (its observed time when it has none) as local
//     HH:MM:SS.mmm;
//   - the severity text, padded to 8 columns, coloured by severity: DEBUG
//     grey, INFO green, WARNING yellow, ERROR red, CRITICAL bold red, AUDIT
//     bold magenta, SECURITY bold white on red (other levels by their
//     severity number);
//   - the instrumentation scope (the logger's name) and a colon;
//   - the message (the body);
//   - the attributes as key=value: nested maps flattened to a.b=1, slices
//     as [x,y], strings quoted (Go syntax) when they are empty or hold
//     spaces, quotes, '=', or characters that are not printable;
//   - trace= and the first 8 hex digits of the trace id, when there is one.
//
// The resource is not shown. An exception.stacktrace attribute is written
// after the line, indented, one frame per line, instead of among the
// key=values. Control characters in messages, keys and values are escaped,
// so a record can neither forge a line nor send escape sequences to the
// terminal.
func NewPretty(w io.Writer, color bool) sdklog.Exporter {
	return newLineExporter(w, "pretty console", &pretty{color: color})
}

// ANSI SGR sequences.
const (
	sgrReset   = "\x1b[0m"
	sgrFaint   = "\x1b[2m"
	sgrScope   = "\x1b[34m" // blue
	sgrKey     = "\x1b[36m" // cyan
	sgrDebug   = "\x1b[90m" // bright black (grey)
	sgrInfo    = "\x1b[32m"
	sgrWarning = "\x1b[33m"
	sgrError   = "\x1b[31m"
	sgrCrit    = "\x1b[1;31m"
	sgrAudit   = "\x1b[1;35m"
	sgrSec     = "\x1b[1;97;41m"
)

// levelWidth is the column width of the severity text (CRITICAL, SECURITY).
const levelWidth = 8

// stacktraceKey is written below the line rather than as a key=value.
const stacktraceKey = "exception.stacktrace"

func (p *pretty) appendRecord(b []byte, r *sdklog.Record) []byte {
	// Time.
	t := r.Timestamp()
	if t.IsZero() {
		t = r.ObservedTimestamp()
	}
	b = p.open(b, sgrFaint)
	if t.IsZero() {
		b = append(b, "--:--:--.---"...)
	} else {
		loc := p.loc
		if loc == nil {
			loc = time.Local
		}
		b = t.In(loc).AppendFormat(b, "15:04:05.000")
	}
	b = p.close(b)
	b = append(b, ' ')

	// Level.
	text := r.SeverityText()
	lvl := levels.FromSeverity(r.Severity(), text)
	if text == "" {
		text = lvl.String()
	}
	col := levelColor(lvl, r.Severity())
	b = p.open(b, col)
	start := len(b)
	b = appendEscaped(b, text)
	width := utf8.RuneCount(b[start:])
	b = p.close(b)
	for ; width < levelWidth; width++ {
		b = append(b, ' ')
	}
	b = append(b, ' ')

	// Scope.
	if name := r.InstrumentationScope().Name; name != "" {
		b = p.open(b, sgrScope)
		b = appendEscaped(b, name)
		b = append(b, ':')
		b = p.close(b)
		b = append(b, ' ')
	}

	// Message.
	switch body := r.Body(); body.Type() {
	case attribute.STRING:
		b = appendEscaped(b, body.AsString())
	case attribute.EMPTY:
	default:
		b = p.appendValue(b, body, true)
	}

	// Attributes.
	if n := r.EventName(); n != "" {
		b = p.appendPair(b, "event_name", attribute.StringValue(n))
	}
	var stack string
	r.WalkAttributes(func(kv attribute.KeyValue) bool {
		if kv.Key == stacktraceKey && kv.Value.Type() == attribute.STRING {
			stack = kv.Value.AsString()
			return true
		}
		if short, ok := abbreviatedAudit(kv); ok {
			b = p.appendPair(b, string(kv.Key), short)
			return true
		}
		b = p.appendFlat(b, string(kv.Key), kv.Value, 0)
		return true
	})
	if n := r.DroppedAttributes(); n > 0 {
		b = p.appendPair(b, "dropped_attributes", attribute.IntValue(n))
	}

	// Trace.
	if id := r.TraceID(); id.IsValid() {
		b = append(b, ' ')
		b = p.open(b, sgrFaint)
		b = append(b, "trace="...)
		b = hex.AppendEncode(b, id[:4])
		b = p.close(b)
	}
	b = append(b, '\n')

	if stack != "" {
		b = p.appendStack(b, stack)
	}
	return b
}

// Audit digests (chain id, hashes, signatures) are long random strings that
// people compare by their first characters, as git abbreviates commits.
// Pretty output shows auditPrefixLen of them and an ellipsis; JSON and
// OTLP keep them whole, and fapilog-verify reads those.
const (
	auditKeyPrefix   = "audit."
	auditPrefixLen   = 8
	auditAbbrevAbove = 31
)

// abbreviatedAudit returns the short form of an audit.* attribute whose
// value is a long hex or base64 digest, and false for any other attribute.
func abbreviatedAudit(kv attribute.KeyValue) (attribute.Value, bool) {
	if kv.Value.Type() != attribute.STRING || !strings.HasPrefix(string(kv.Key), auditKeyPrefix) {
		return attribute.Value{}, false
	}
	v := kv.Value.AsString()
	if len(v) <= auditAbbrevAbove {
		return attribute.Value{}, false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '+' || c == '/' || c == '=' || c == '-' || c == '_') {
			return attribute.Value{}, false
		}
	}
	return attribute.StringValue(v[:auditPrefixLen] + "…"), true
}

func (p *pretty) open(b []byte, sgr string) []byte {
	if p.color {
		b = append(b, sgr...)
	}
	return b
}

func (p *pretty) close(b []byte) []byte {
	if p.color {
		b = append(b, sgrReset...)
	}
	return b
}

// levelColor returns the colour of a level: the standard levels by name,
// others by their severity number.
func levelColor(l levels.Level, sev log.Severity) string {
	switch l {
	case levels.Debug:
		return sgrDebug
	case levels.Info:
		return sgrInfo
	case levels.Warning:
		return sgrWarning
	case levels.Error:
		return sgrError
	case levels.Critical:
		return sgrCrit
	case levels.Audit:
		return sgrAudit
	case levels.Security:
		return sgrSec
	}
	switch {
	case sev >= log.SeverityFatal:
		return sgrCrit
	case sev >= log.SeverityError:
		return sgrError
	case sev >= log.SeverityWarn:
		return sgrWarning
	case sev >= log.SeverityInfo:
		return sgrInfo
	}
	return sgrDebug
}

// maxFlatDepth bounds how deep maps are flattened into dotted keys; deeper
// maps are written as {k=v,…}. Converted values nest at most 16 levels.
const maxFlatDepth = 32

// appendFlat appends key=value, flattening a MAP value into key.sub=value
// pairs. An empty map is written as key={}.
func (p *pretty) appendFlat(b []byte, key string, v attribute.Value, depth int) []byte {
	if v.Type() == attribute.MAP && depth < maxFlatDepth {
		kvs := v.AsMap()
		if len(kvs) > 0 {
			for _, kv := range kvs {
				b = p.appendFlat(b, key+"."+string(kv.Key), kv.Value, depth+1)
			}
			return b
		}
	}
	return p.appendPair(b, key, v)
}

func (p *pretty) appendPair(b []byte, key string, v attribute.Value) []byte {
	b = append(b, ' ')
	b = p.open(b, sgrKey)
	b = appendText(b, key, false)
	b = append(b, '=')
	b = p.close(b)
	return p.appendValue(b, v, false)
}

// appendValue appends v for people. nested is true inside a slice or a map
// written with braces, where ',' and brackets also call for quotes.
func (p *pretty) appendValue(b []byte, v attribute.Value, nested bool) []byte {
	switch v.Type() {
	case attribute.BOOL:
		return strconv.AppendBool(b, v.AsBool())
	case attribute.INT64:
		return strconv.AppendInt(b, v.AsInt64(), 10)
	case attribute.FLOAT64:
		return appendPrettyFloat(b, v.AsFloat64())
	case attribute.STRING:
		return appendText(b, v.AsString(), nested)
	case attribute.BYTESLICE:
		return appendText(b, base64.StdEncoding.EncodeToString(v.AsByteSlice()), nested)
	case attribute.BOOLSLICE:
		return appendList(b, v.AsBoolSlice(), strconv.AppendBool)
	case attribute.INT64SLICE:
		return appendList(b, v.AsInt64Slice(), appendInt)
	case attribute.FLOAT64SLICE:
		return appendList(b, v.AsFloat64Slice(), appendPrettyFloat)
	case attribute.STRINGSLICE:
		return appendList(b, v.AsStringSlice(), appendNestedText)
	case attribute.SLICE:
		return appendList(b, v.AsSlice(), p.appendNestedValue)
	case attribute.MAP:
		b = append(b, '{')
		for i, kv := range v.AsMap() {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendText(b, string(kv.Key), true)
			b = append(b, '=')
			b = p.appendValue(b, kv.Value, true)
		}
		return append(b, '}')
	}
	return append(b, "null"...)
}

// appendStack writes a stack trace below the line, indented.
func (p *pretty) appendStack(b []byte, stack string) []byte {
	for len(stack) > 0 {
		line := stack
		if i := indexNewline(stack); i >= 0 {
			line, stack = stack[:i], stack[i+1:]
		} else {
			stack = ""
		}
		if line == "" {
			continue
		}
		b = append(b, "    "...)
		b = p.open(b, sgrFaint)
		for len(line) > 0 && line[0] == '\t' { // Go's file:line lines
			b = append(b, "    "...)
			line = line[1:]
		}
		b = appendEscaped(b, line)
		b = p.close(b)
		b = append(b, '\n')
	}
	return b
}

func indexNewline(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			return i
		}
	}
	return -1
}

func appendPrettyFloat(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		return append(b, "+Inf"...)
	case math.IsInf(f, -1):
		return append(b, "-Inf"...)
	}
	return appendFloat(b, f)
}

// appendText appends s as it is when it reads unambiguously, else quoted
// with Go syntax (strconv.Quote, which keeps printable Unicode).
func appendText(b []byte, s string, nested bool) []byte {
	if needsQuote(s, nested) {
		return strconv.AppendQuote(b, s)
	}
	return append(b, s...)
}

func needsQuote(s string, nested bool) bool {
	if s == "" {
		return true
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c <= ' ', c == 0x7f, c == '"', c == '=', c == '\\':
				return true
			case nested && (c == ',' || c == '[' || c == ']' || c == '{' || c == '}'):
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || !unicode.IsPrint(r) {
			return true
		}
		i += size
	}
	return false
}

// appendEscaped appends s unquoted, escaping what would disturb a terminal
// line: control characters (ESC among them) as \n, \t, \x1b …, other
// unprintable runes as \u…, invalid UTF-8 as U+FFFD.
func appendEscaped(b []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= ' ' && c != 0x7f {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, "\uFFFD"...)
			i++
			start = i
			continue
		}
		if !unicode.IsPrint(r) && r != ' ' {
			b = append(b, s[start:i]...)
			q := strconv.QuoteRuneToASCII(r) // '\u0085'
			b = append(b, q[1:len(q)-1]...)
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(b, s[start:]...)
}

// newConsoleFormat builds the console exporter of format f on w: JSON,
// pretty (coloured on a terminal unless NO_COLOR is set), or for auto (and
// unset) pretty on a terminal and JSON otherwise.
func newConsoleFormat(w io.Writer, f ConsoleFormat) sdklog.Exporter {
	tty := isTerminal(w)
	switch f {
	case ConsoleJSON:
		return NewConsole(w)
	case ConsolePretty:
		return NewPretty(w, tty && !noColor())
	}
	if tty {
		return NewPretty(w, !noColor())
	}
	return NewConsole(w)
}

// appendNestedValue and appendNestedText format list elements, which are
// always nested.
func (p *pretty) appendNestedValue(b []byte, v attribute.Value) []byte {
	return p.appendValue(b, v, true)
}

func appendNestedText(b []byte, s string) []byte { return appendText(b, s, true) }
