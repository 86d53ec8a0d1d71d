package audit

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
)

// Format names an input format of the verifier.
type Format string

// The formats ReadJSON understands.
const (
	// FormatAuto detects the format of each line.
	FormatAuto Format = ""
	// FormatOTLP is OTLP/JSON, one ExportLogsServiceRequest per line (the
	// collector's file exporter): resourceLogs → scopeLogs → logRecords,
	// typed values, 64-bit integers as strings.
	FormatOTLP Format = "otlp"
	// FormatConsole is the console exporter's JSON lines (exporter.NewConsole).
	FormatConsole Format = "console"
)

// Entry is one record read by ReadJSON, with where it was found.
type Entry struct {
	Record
	// Dropped is the record's dropped attributes count: attributes an SDK
	// limit removed after the hash was computed.
	Dropped int64
	Scope   string
	Source  string // the name given to ReadJSON
	Line    int
	Format  Format
	// Malformed, when not empty, says why the line is not a record the
	// verifier can trust; the other fields but the location are empty.
	Malformed string
}

// Where returns "source:line".
func (e *Entry) Where() string { return fmt.Sprintf("%s:%d", e.Source, e.Line) }

// Attr returns the value of the first attribute named key.
func (e *Entry) Attr(key string) (attribute.Value, bool) {
	for _, kv := range e.Attrs {
		if string(kv.Key) == key {
			return kv.Value, true
		}
	}
	return attribute.Value{}, false
}

// ReadJSON reads JSON lines in format f and calls fn for each log record, in
// order. Lines that are not JSON objects (a program's other output) and
// objects that are not log records are skipped and counted.
//
// A line that looks like a record (it names audit attributes, a severity or
// resourceLogs) but is not one that every JSON reader reads alike (see
// parseJSON: duplicate keys, trailing data, invalid UTF-8, …), or whose
// record structure is invalid, is passed to fn as an Entry with Malformed
// set: the verifier reports it as MALFORMED instead of trusting any reading
// of it. The error is for reading r only.
func ReadJSON(r io.Reader, source string, f Format, fn func(*Entry)) (skipped int, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 256<<20)
	for line := 1; sc.Scan(); line++ {
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 || text[0] != '{' {
			if len(text) > 0 {
				skipped++
			}
			continue
		}
		malformed := func(lf Format, err error) {
			fn(&Entry{Source: source, Line: line, Format: lf, Malformed: err.Error()})
		}
		root, err := parseJSON(text)
		if err != nil {
			if f == FormatAuto && !looksLikeRecord(text) {
				skipped++
				continue
			}
			malformed(f, err)
			continue
		}
		lf := f
		if lf == FormatAuto {
			switch {
			case root.field("resourceLogs") != nil:
				lf = FormatOTLP
			case root.field("severity_number") != nil || root.field("attributes") != nil:
				lf = FormatConsole
			default:
				skipped++
				continue
			}
		}
		var recs []*Entry
		switch lf {
		case FormatOTLP:
			recs, err = otlpRecords(root)
		case FormatConsole:
			var e *Entry
			e, err = consoleRecord(root)
			recs = []*Entry{e}
		default:
			return skipped, fmt.Errorf("audit: unknown format %q", f)
		}
		if err != nil {
			malformed(lf, err)
			continue
		}
		for _, e := range recs {
			e.Source, e.Line, e.Format = source, line, lf
			fn(e)
		}
	}
	return skipped, sc.Err()
}

// looksLikeRecord tells a log record that does not parse from another
// program's output that happens to start with '{'.
func looksLikeRecord(line []byte) bool {
	for _, s := range []string{`"audit.`, `"resourceLogs"`, `"severity_number"`, `"severity_text"`} {
		if bytes.Contains(line, []byte(s)) {
			return true
		}
	}
	return false
}

// jnode is a parsed JSON value that keeps the order of object members and
// duplicate keys, and numbers as their text.
type jnode struct {
	kind byte // 'o' object, 'a' array, 's' string, 'n' number, 'b' bool, 'z' null
	str  string
	b    bool
	arr  []jnode
	obj  []jfield
}

type jfield struct {
	key string
	val jnode
}

func (n *jnode) field(key string) *jnode {
	if n == nil || n.kind != 'o' {
		return nil
	}
	for i := range n.obj {
		if n.obj[i].key == key {
			return &n.obj[i].val
		}
	}
	return nil
}

// parseJSON parses one line as strictly as the strictest downstream reader,
// so that the verifier checks exactly what every other tool reads: a line
// that two JSON readers could read differently is an error, not a record.
//
//   - duplicate object keys, at any level: encoding/json and jq read the
//     last member, others the first;
//   - keys equal under Unicode case folding ("body" and "Body"):
//     encoding/json matches struct fields case-insensitively;
//   - invalid UTF-8 and escaped lone surrogates ("\ud800"): Go replaces them
//     with U+FFFD, Python keeps or rejects them;
//   - anything after the value (trailing garbage, a second value);
//   - what encoding/json rejects (NaN, comments, single quotes, …).
func parseJSON(data []byte) (jnode, error) {
	if !utf8.Valid(data) {
		return jnode{}, errors.New("invalid UTF-8")
	}
	if err := checkEscapes(data); err != nil {
		return jnode{}, err
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	n, err := parseNode(d, 0)
	if err != nil {
		return n, err
	}
	if _, err := d.Token(); err != io.EOF {
		return n, errors.New("trailing data after the JSON value")
	}
	return n, nil
}

// checkEscapes rejects \u escapes of lone UTF-16 surrogates, which readers
// decode differently. Other escape errors are left to the decoder.
func checkEscapes(data []byte) error {
	in := false
	for i := 0; i < len(data); i++ {
		c := data[i]
		if !in {
			in = c == '"'
			continue
		}
		switch c {
		case '"':
			in = false
		case '\\':
			if i+1 < len(data) && data[i+1] == 'u' {
				r, ok := hex4(data, i+2)
				if ok && r >= 0xD800 && r <= 0xDBFF {
					// A high surrogate needs a low one right after.
					if i+7 < len(data) && data[i+6] == '\\' && data[i+7] == 'u' {
						if lo, ok := hex4(data, i+8); ok && lo >= 0xDC00 && lo <= 0xDFFF {
							i += 11
							continue
						}
					}
					return errors.New("escaped lone UTF-16 surrogate")
				}
				if ok && r >= 0xDC00 && r <= 0xDFFF {
					return errors.New("escaped lone UTF-16 surrogate")
				}
			}
			i++ // skip the escaped character
		}
	}
	return nil
}

func hex4(data []byte, at int) (rune, bool) {
	if at+4 > len(data) {
		return 0, false
	}
	var r rune
	for _, c := range data[at : at+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// foldKey maps a key to a form equal for keys equal under Unicode simple
// case folding (strings.EqualFold, as encoding/json matches field names).
func foldKey(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		// The smallest rune of r's folding orbit stands for all of them.
		m := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			m = min(m, f)
		}
		b.WriteRune(m)
	}
	return b.String()
}

const maxJSONDepth = 256

func parseNode(d *json.Decoder, depth int) (jnode, error) {
	if depth > maxJSONDepth {
		return jnode{}, errors.New("JSON nested too deep")
	}
	t, err := d.Token()
	if err != nil {
		return jnode{}, err
	}
	switch t := t.(type) {
	case json.Delim:
		switch t {
		case '{':
			n := jnode{kind: 'o'}
			var seen map[string]string
			for d.More() {
				k, err := d.Token()
				if err != nil {
					return n, err
				}
				ks, _ := k.(string)
				if seen == nil {
					seen = map[string]string{}
				}
				fk := foldKey(ks)
				if first, dup := seen[fk]; dup {
					if first == ks {
						return n, fmt.Errorf("duplicate key %q", ks)
					}
					return n, fmt.Errorf("keys %q and %q differ only in case", first, ks)
				}
				seen[fk] = ks
				v, err := parseNode(d, depth+1)
				if err != nil {
					return n, err
				}
				n.obj = append(n.obj, jfield{ks, v})
			}
			_, err := d.Token()
			return n, err
		case '[':
			n := jnode{kind: 'a', arr: []jnode{}}
			for d.More() {
				v, err := parseNode(d, depth+1)
				if err != nil {
					return n, err
				}
				n.arr = append(n.arr, v)
			}
			_, err := d.Token()
			return n, err
		}
		return jnode{}, fmt.Errorf("unexpected %v", t)
	case string:
		return jnode{kind: 's', str: t}, nil
	case json.Number:
		return jnode{kind: 'n', str: string(t)}, nil
	case bool:
		return jnode{kind: 'b', b: t}, nil
	case nil:
		return jnode{kind: 'z'}, nil
	}
	return jnode{}, fmt.Errorf("unexpected token %v", t)
}

// ---- console exporter lines ----

func consoleRecord(root jnode) (*Entry, error) {
	e := &Entry{}
	if ts := root.field("timestamp"); ts != nil {
		if ts.kind != 's' {
			return nil, errors.New("timestamp is not a string")
		}
		t, err := time.Parse(time.RFC3339Nano, ts.str)
		if err != nil {
			return nil, fmt.Errorf("timestamp: %w", err)
		}
		e.Time = t
	}
	if sn := root.field("severity_number"); sn != nil {
		n, err := strconv.ParseInt(sn.str, 10, 64)
		if err != nil || sn.kind != 'n' {
			return nil, fmt.Errorf("severity_number %q", sn.str)
		}
		e.SeverityNumber = n
	}
	if st := root.field("severity_text"); st != nil && st.kind == 's' {
		e.SeverityText = st.str
	}
	if sc := root.field("scope"); sc != nil && sc.kind == 's' {
		e.Scope = sc.str
	}
	if d := root.field("dropped_attributes_count"); d != nil {
		e.Dropped, _ = strconv.ParseInt(d.str, 10, 64)
	}
	attrs := root.field("attributes")
	var h hints
	if attrs != nil {
		if attrs.kind != 'o' {
			return nil, errors.New("attributes is not an object")
		}
		if t := attrs.field(KeyTypes); t != nil && t.kind == 's' {
			var err error
			if h, err = parseHints(t.str); err != nil {
				return nil, fmt.Errorf("%s: %w", KeyTypes, err)
			}
		}
		for _, f := range attrs.obj {
			v, err := h.value(f.val, []any{f.key})
			if err != nil {
				return nil, fmt.Errorf("attribute %q: %w", f.key, err)
			}
			e.Attrs = append(e.Attrs, attribute.KeyValue{Key: attribute.Key(f.key), Value: v})
		}
	}
	if b := root.field("body"); b != nil {
		v, err := hints(nil).value(*b, nil)
		if err != nil {
			return nil, fmt.Errorf("body: %w", err)
		}
		e.Body = v
	}
	return e, nil
}

// hints maps the encoded path of a value to its type ("f" or "b").
type hints map[string]string

func pathKey(path []any) string {
	var b strings.Builder
	for _, p := range path {
		switch p := p.(type) {
		case string:
			b.WriteString("s" + strconv.Itoa(len(p)) + ":" + p)
		case int:
			b.WriteString("i" + strconv.Itoa(p) + ";")
		}
	}
	return b.String()
}

func parseHints(s string) (hints, error) {
	var raw [][]any
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	if err := d.Decode(&raw); err != nil {
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, errors.New("trailing data")
	}
	h := hints{}
	for _, e := range raw {
		if len(e) < 2 {
			return nil, errors.New("hint without a path")
		}
		kind, _ := e[0].(string)
		if kind != hintFloat && kind != hintBytes {
			return nil, fmt.Errorf("unknown hint %v", e[0])
		}
		path := make([]any, 0, len(e)-1)
		for _, p := range e[1:] {
			switch p := p.(type) {
			case string:
				path = append(path, p)
			case json.Number:
				i, err := strconv.Atoi(string(p))
				if err != nil {
					return nil, fmt.Errorf("bad index %v", p)
				}
				path = append(path, i)
			default:
				return nil, fmt.Errorf("bad path element %v", p)
			}
		}
		h[pathKey(path)] = kind
	}
	return h, nil
}

func (h hints) kind(path []any) string {
	if len(h) == 0 {
		return ""
	}
	return h[pathKey(path)]
}

func (h hints) value(n jnode, path []any) (attribute.Value, error) {
	switch n.kind {
	case 'z':
		return attribute.Value{}, nil
	case 'b':
		return attribute.BoolValue(n.b), nil
	case 's':
		switch h.kind(path) {
		case hintBytes:
			b, err := base64.StdEncoding.DecodeString(n.str)
			if err != nil {
				return attribute.Value{}, err
			}
			return attribute.ByteSliceValue(b), nil
		case hintFloat:
			f, err := specialFloat(n.str)
			if err != nil {
				return attribute.Value{}, err
			}
			return attribute.Float64Value(f), nil
		}
		return attribute.StringValue(n.str), nil
	case 'n':
		if h.kind(path) != hintFloat && !strings.ContainsAny(n.str, ".eE") {
			if i, err := strconv.ParseInt(n.str, 10, 64); err == nil {
				return attribute.Int64Value(i), nil
			}
		}
		f, err := strconv.ParseFloat(n.str, 64)
		if err != nil {
			return attribute.Value{}, err
		}
		return attribute.Float64Value(f), nil
	case 'a':
		vals := make([]attribute.Value, len(n.arr))
		for i, e := range n.arr {
			v, err := h.value(e, append(path, i))
			if err != nil {
				return attribute.Value{}, err
			}
			vals[i] = v
		}
		return attribute.SliceValue(vals...), nil
	case 'o':
		kvs := make([]attribute.KeyValue, len(n.obj))
		for i, f := range n.obj {
			v, err := h.value(f.val, append(path, f.key))
			if err != nil {
				return attribute.Value{}, err
			}
			kvs[i] = attribute.KeyValue{Key: attribute.Key(f.key), Value: v}
		}
		return attribute.MapValue(kvs...), nil
	}
	return attribute.Value{}, fmt.Errorf("unexpected JSON %c", n.kind)
}

func specialFloat(s string) (float64, error) {
	switch s {
	case "NaN":
		return math.NaN(), nil
	case "Infinity", "+Infinity":
		return math.Inf(1), nil
	case "-Infinity":
		return math.Inf(-1), nil
	}
	return strconv.ParseFloat(s, 64)
}

// ---- OTLP/JSON lines ----

func otlpRecords(root jnode) ([]*Entry, error) {
	var out []*Entry
	rls := root.field("resourceLogs")
	if rls == nil || rls.kind != 'a' {
		return nil, errors.New("resourceLogs is not an array")
	}
	for _, rl := range rls.arr {
		sls := rl.field("scopeLogs")
		if sls == nil {
			continue
		}
		for _, sl := range sls.arr {
			scope := ""
			if s := sl.field("scope").field("name"); s != nil {
				scope = s.str
			}
			lrs := sl.field("logRecords")
			if lrs == nil {
				continue
			}
			for i, lr := range lrs.arr {
				e, err := otlpRecord(lr)
				if err != nil {
					return nil, fmt.Errorf("logRecords[%d]: %w", i, err)
				}
				e.Scope = scope
				out = append(out, e)
			}
		}
	}
	return out, nil
}

var severityNames = func() map[string]int64 {
	m := map[string]int64{"SEVERITY_NUMBER_UNSPECIFIED": 0}
	for i, level := range []string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"} {
		base := "SEVERITY_NUMBER_" + level
		m[base] = int64(4*i + 1)
		for j := 2; j <= 4; j++ {
			m[base+strconv.Itoa(j)] = int64(4*i + j)
		}
	}
	return m
}()

// otlpRecordFields are the members of an OTLP/JSON LogRecord. Any other
// member is an error: a protobuf JSON reader also accepts the snake_case
// names ("severity_text"), and a member the verifier ignored could be what
// another reader shows.
var otlpRecordFields = map[string]bool{
	"timeUnixNano": true, "observedTimeUnixNano": true, "severityNumber": true,
	"severityText": true, "body": true, "attributes": true, "droppedAttributesCount": true,
	"flags": true, "traceId": true, "spanId": true, "eventName": true,
}

func otlpRecord(lr jnode) (*Entry, error) {
	if lr.kind != 'o' {
		return nil, errors.New("log record is not an object")
	}
	for _, f := range lr.obj {
		if !otlpRecordFields[f.key] {
			return nil, fmt.Errorf("unknown log record member %q", f.key)
		}
	}
	e := &Entry{}
	if t := lr.field("timeUnixNano"); t != nil {
		n, err := strconv.ParseUint(t.str, 10, 64)
		if err != nil || n > math.MaxInt64 {
			return nil, fmt.Errorf("timeUnixNano %q", t.str)
		}
		if n != 0 {
			e.Time = time.Unix(0, int64(n)).UTC()
		}
	}
	if sn := lr.field("severityNumber"); sn != nil {
		if n, err := strconv.ParseInt(sn.str, 10, 64); err == nil {
			e.SeverityNumber = n
		} else if n, ok := severityNames[sn.str]; ok {
			e.SeverityNumber = n
		} else {
			return nil, fmt.Errorf("severityNumber %q", sn.str)
		}
	}
	if st := lr.field("severityText"); st != nil {
		e.SeverityText = st.str
	}
	if d := lr.field("droppedAttributesCount"); d != nil {
		e.Dropped, _ = strconv.ParseInt(d.str, 10, 64)
	}
	if b := lr.field("body"); b != nil {
		v, err := anyValue(*b)
		if err != nil {
			return nil, fmt.Errorf("body: %w", err)
		}
		e.Body = v
	}
	if as := lr.field("attributes"); as != nil {
		kvs, err := keyValues(*as)
		if err != nil {
			return nil, err
		}
		e.Attrs = kvs
	}
	return e, nil
}

func keyValues(list jnode) ([]attribute.KeyValue, error) {
	if list.kind != 'a' {
		return nil, errors.New("key/value list is not an array")
	}
	out := make([]attribute.KeyValue, 0, len(list.arr))
	seen := make(map[string]bool, len(list.arr))
	for _, kv := range list.arr {
		k := kv.field("key")
		if k == nil || k.kind != 's' {
			return nil, errors.New("key/value without a key")
		}
		// Readers that turn the list into a map keep the first or the
		// last of two equal keys.
		if seen[k.str] {
			return nil, fmt.Errorf("duplicate key %q", k.str)
		}
		seen[k.str] = true
		for _, f := range kv.obj {
			if f.key != "key" && f.key != "value" {
				return nil, fmt.Errorf("unknown key/value member %q", f.key)
			}
		}
		var v attribute.Value
		if val := kv.field("value"); val != nil {
			var err error
			if v, err = anyValue(*val); err != nil {
				return nil, fmt.Errorf("attribute %q: %w", k.str, err)
			}
		}
		out = append(out, attribute.KeyValue{Key: attribute.Key(k.str), Value: v})
	}
	return out, nil
}

func anyValue(n jnode) (attribute.Value, error) {
	if n.kind != 'o' {
		return attribute.Value{}, errors.New("AnyValue is not an object")
	}
	// AnyValue is a oneof: two members (or an unknown one) are read
	// differently by different readers.
	if len(n.obj) > 1 {
		return attribute.Value{}, fmt.Errorf("AnyValue with %d members", len(n.obj))
	}
	for _, f := range n.obj {
		switch f.key {
		case "stringValue":
			if f.val.kind != 's' {
				return attribute.Value{}, errors.New("stringValue is not a string")
			}
			return attribute.StringValue(f.val.str), nil
		case "boolValue":
			if f.val.kind != 'b' {
				return attribute.Value{}, errors.New("boolValue is not a boolean")
			}
			return attribute.BoolValue(f.val.b), nil
		case "intValue":
			i, err := strconv.ParseInt(f.val.str, 10, 64)
			if err != nil {
				return attribute.Value{}, fmt.Errorf("intValue %q", f.val.str)
			}
			return attribute.Int64Value(i), nil
		case "doubleValue":
			x, err := specialFloat(f.val.str)
			if err != nil {
				return attribute.Value{}, fmt.Errorf("doubleValue %q", f.val.str)
			}
			return attribute.Float64Value(x), nil
		case "bytesValue":
			b, err := base64.StdEncoding.DecodeString(f.val.str)
			if err != nil {
				return attribute.Value{}, fmt.Errorf("bytesValue: %w", err)
			}
			return attribute.ByteSliceValue(b), nil
		case "arrayValue":
			vals := []attribute.Value{}
			if vs := f.val.field("values"); vs != nil {
				for _, x := range vs.arr {
					v, err := anyValue(x)
					if err != nil {
						return attribute.Value{}, err
					}
					vals = append(vals, v)
				}
			}
			return attribute.SliceValue(vals...), nil
		case "kvlistValue":
			var kvs []attribute.KeyValue
			if vs := f.val.field("values"); vs != nil {
				var err error
				if kvs, err = keyValues(*vs); err != nil {
					return attribute.Value{}, err
				}
			}
			return attribute.MapValue(kvs...), nil
		default:
			return attribute.Value{}, fmt.Errorf("unknown AnyValue member %q", f.key)
		}
	}
	return attribute.Value{}, nil
}
