package collectortest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// LogRecord is one OTLP log record, flattened with its resource and scope.
//
// Attribute and body values are typed as OTLP carries them: string, int64,
// float64, bool, []byte, []any (arrayValue) or map[string]any (kvlistValue),
// nested as deep as sent; an empty value is nil.
type LogRecord struct {
	ResourceAttrs map[string]any
	ScopeName     string
	ScopeVersion  string
	ScopeAttrs    map[string]any

	// Time and ObservedTime are zero when the record has none.
	Time           time.Time
	ObservedTime   time.Time
	SeverityNumber int
	SeverityText   string
	EventName      string
	Body           any
	Attrs          map[string]any
	// DroppedAttributesCount is what the sender reported as dropped.
	DroppedAttributesCount uint32
	// TraceID and SpanID are lowercase hex, "" when absent.
	TraceID string
	SpanID  string
	Flags   uint32
}

// Span is one OTLP span, flattened with its resource and scope.
type Span struct {
	ResourceAttrs map[string]any
	ScopeName     string

	// TraceID, SpanID and ParentSpanID are lowercase hex, "" when absent.
	TraceID      string
	SpanID       string
	ParentSpanID string
	Name         string
	// Kind is the OTLP SpanKind number (1 internal, 2 server, 3 client, 4
	// producer, 5 consumer).
	Kind       int
	StartTime  time.Time
	EndTime    time.Time
	Attrs      map[string]any
	StatusCode int // 0 unset, 1 ok, 2 error
	StatusMsg  string
}

// OTLP/JSON (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding)
// as the collector's file exporter writes it: one ExportLogsServiceRequest
// or ExportTraceServiceRequest per line.

type jsonLogsData struct {
	ResourceLogs []struct {
		Resource  jsonResource `json:"resource"`
		ScopeLogs []struct {
			Scope      jsonScope       `json:"scope"`
			LogRecords []jsonLogRecord `json:"logRecords"`
		} `json:"scopeLogs"`
	} `json:"resourceLogs"`
}

type jsonTracesData struct {
	ResourceSpans []struct {
		Resource   jsonResource `json:"resource"`
		ScopeSpans []struct {
			Scope jsonScope  `json:"scope"`
			Spans []jsonSpan `json:"spans"`
		} `json:"scopeSpans"`
	} `json:"resourceSpans"`
}

type jsonResource struct {
	Attributes []jsonKeyValue `json:"attributes"`
}

type jsonScope struct {
	Name       string         `json:"name"`
	Version    string         `json:"version"`
	Attributes []jsonKeyValue `json:"attributes"`
}

type jsonLogRecord struct {
	TimeUnixNano           json.RawMessage `json:"timeUnixNano"`
	ObservedTimeUnixNano   json.RawMessage `json:"observedTimeUnixNano"`
	SeverityNumber         json.RawMessage `json:"severityNumber"`
	SeverityText           string          `json:"severityText"`
	EventName              string          `json:"eventName"`
	Body                   *jsonAnyValue   `json:"body"`
	Attributes             []jsonKeyValue  `json:"attributes"`
	DroppedAttributesCount uint32          `json:"droppedAttributesCount"`
	Flags                  uint32          `json:"flags"`
	TraceID                string          `json:"traceId"`
	SpanID                 string          `json:"spanId"`
}

type jsonSpan struct {
	TraceID           string          `json:"traceId"`
	SpanID            string          `json:"spanId"`
	ParentSpanID      string          `json:"parentSpanId"`
	Name              string          `json:"name"`
	Kind              json.RawMessage `json:"kind"`
	StartTimeUnixNano json.RawMessage `json:"startTimeUnixNano"`
	EndTimeUnixNano   json.RawMessage `json:"endTimeUnixNano"`
	Attributes        []jsonKeyValue  `json:"attributes"`
	Status            struct {
		Message string          `json:"message"`
		Code    json.RawMessage `json:"code"`
	} `json:"status"`
}

type jsonKeyValue struct {
	Key   string       `json:"key"`
	Value jsonAnyValue `json:"value"`
}

type jsonAnyValue struct {
	StringValue *string         `json:"stringValue"`
	BoolValue   *bool           `json:"boolValue"`
	IntValue    json.RawMessage `json:"intValue"`
	DoubleValue json.RawMessage `json:"doubleValue"`
	BytesValue  *string         `json:"bytesValue"`
	ArrayValue  *struct {
		Values []jsonAnyValue `json:"values"`
	} `json:"arrayValue"`
	KvlistValue *struct {
		Values []jsonKeyValue `json:"values"`
	} `json:"kvlistValue"`
}

// ParseLogs parses the file exporter's JSON output for logs. A last line
// without its newline that does not parse is taken as a write in progress
// and skipped.
func ParseLogs(data []byte) ([]LogRecord, error) {
	var out []LogRecord
	err := eachLine(data, func(line []byte) error {
		var d jsonLogsData
		if err := json.Unmarshal(line, &d); err != nil {
			return err
		}
		for _, rl := range d.ResourceLogs {
			res, err := attrMap(rl.Resource.Attributes)
			if err != nil {
				return fmt.Errorf("resource: %w", err)
			}
			for _, sl := range rl.ScopeLogs {
				scopeAttrs, err := attrMap(sl.Scope.Attributes)
				if err != nil {
					return fmt.Errorf("scope: %w", err)
				}
				for _, lr := range sl.LogRecords {
					rec, err := convertLogRecord(lr)
					if err != nil {
						return err
					}
					rec.ResourceAttrs = res
					rec.ScopeName = sl.Scope.Name
					rec.ScopeVersion = sl.Scope.Version
					rec.ScopeAttrs = scopeAttrs
					out = append(out, rec)
				}
			}
		}
		return nil
	})
	return out, err
}

// ParseSpans parses the file exporter's JSON output for traces, like
// ParseLogs.
func ParseSpans(data []byte) ([]Span, error) {
	var out []Span
	err := eachLine(data, func(line []byte) error {
		var d jsonTracesData
		if err := json.Unmarshal(line, &d); err != nil {
			return err
		}
		for _, rs := range d.ResourceSpans {
			res, err := attrMap(rs.Resource.Attributes)
			if err != nil {
				return fmt.Errorf("resource: %w", err)
			}
			for _, ss := range rs.ScopeSpans {
				for _, js := range ss.Spans {
					sp, err := convertSpan(js)
					if err != nil {
						return err
					}
					sp.ResourceAttrs = res
					sp.ScopeName = ss.Scope.Name
					out = append(out, sp)
				}
			}
		}
		return nil
	})
	return out, err
}

func eachLine(data []byte, f func([]byte) error) error {
	for n := 1; len(data) > 0; n++ {
		line, rest, complete := bytes.Cut(data, []byte("\n"))
		data = rest
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if err := f(line); err != nil {
			if !complete {
				return nil // partial last line: the writer is mid-flush
			}
			return fmt.Errorf("line %d: %w", n, err)
		}
	}
	return nil
}

func convertLogRecord(lr jsonLogRecord) (LogRecord, error) {
	var rec LogRecord
	var err error
	if rec.Time, err = unixNano(lr.TimeUnixNano); err != nil {
		return rec, fmt.Errorf("timeUnixNano: %w", err)
	}
	if rec.ObservedTime, err = unixNano(lr.ObservedTimeUnixNano); err != nil {
		return rec, fmt.Errorf("observedTimeUnixNano: %w", err)
	}
	if rec.SeverityNumber, err = enumValue(lr.SeverityNumber, severityNames); err != nil {
		return rec, fmt.Errorf("severityNumber: %w", err)
	}
	if lr.Body != nil {
		if rec.Body, err = anyValue(*lr.Body); err != nil {
			return rec, fmt.Errorf("body: %w", err)
		}
	}
	if rec.Attrs, err = attrMap(lr.Attributes); err != nil {
		return rec, err
	}
	rec.SeverityText = lr.SeverityText
	rec.EventName = lr.EventName
	rec.DroppedAttributesCount = lr.DroppedAttributesCount
	rec.Flags = lr.Flags
	rec.TraceID = hexID(lr.TraceID)
	rec.SpanID = hexID(lr.SpanID)
	return rec, nil
}

func convertSpan(js jsonSpan) (Span, error) {
	sp := Span{
		TraceID:      hexID(js.TraceID),
		SpanID:       hexID(js.SpanID),
		ParentSpanID: hexID(js.ParentSpanID),
		Name:         js.Name,
		StatusMsg:    js.Status.Message,
	}
	var err error
	if sp.Kind, err = enumValue(js.Kind, spanKindNames); err != nil {
		return sp, fmt.Errorf("kind: %w", err)
	}
	if sp.StatusCode, err = enumValue(js.Status.Code, statusCodeNames); err != nil {
		return sp, fmt.Errorf("status code: %w", err)
	}
	if sp.StartTime, err = unixNano(js.StartTimeUnixNano); err != nil {
		return sp, fmt.Errorf("startTimeUnixNano: %w", err)
	}
	if sp.EndTime, err = unixNano(js.EndTimeUnixNano); err != nil {
		return sp, fmt.Errorf("endTimeUnixNano: %w", err)
	}
	if sp.Attrs, err = attrMap(js.Attributes); err != nil {
		return sp, err
	}
	return sp, nil
}

// attrMap converts a KeyValue list; it returns an empty, non-nil map for an
// empty list so that tests can index it freely.
func attrMap(kvs []jsonKeyValue) (map[string]any, error) {
	m := make(map[string]any, len(kvs))
	for _, kv := range kvs {
		v, err := anyValue(kv.Value)
		if err != nil {
			return nil, fmt.Errorf("attribute %q: %w", kv.Key, err)
		}
		m[kv.Key] = v
	}
	return m, nil
}

func anyValue(v jsonAnyValue) (any, error) {
	switch {
	case v.StringValue != nil:
		return *v.StringValue, nil
	case v.BoolValue != nil:
		return *v.BoolValue, nil
	case v.IntValue != nil:
		return int64Value(v.IntValue)
	case v.DoubleValue != nil:
		return doubleValue(v.DoubleValue)
	case v.BytesValue != nil:
		return base64.StdEncoding.DecodeString(*v.BytesValue)
	case v.ArrayValue != nil:
		out := make([]any, len(v.ArrayValue.Values))
		for i, e := range v.ArrayValue.Values {
			var err error
			if out[i], err = anyValue(e); err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
		}
		return out, nil
	case v.KvlistValue != nil:
		return attrMap(v.KvlistValue.Values)
	}
	return nil, nil
}

// int64Value accepts the OTLP/JSON form (a decimal string) and a plain number.
func int64Value(raw json.RawMessage) (int64, error) {
	return strconv.ParseInt(unquote(raw), 10, 64)
}

// doubleValue accepts a number or the strings "NaN", "Infinity", "-Infinity".
func doubleValue(raw json.RawMessage) (float64, error) {
	s := unquote(raw)
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

// unixNano parses a fixed64 nanosecond time (string or number); absent or
// zero gives the zero time.Time.
func unixNano(raw json.RawMessage) (time.Time, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return time.Time{}, nil
	}
	n, err := strconv.ParseUint(unquote(raw), 10, 64)
	if err != nil || n == 0 {
		return time.Time{}, err
	}
	if n > math.MaxInt64 {
		return time.Time{}, fmt.Errorf("%d out of range", n)
	}
	return time.Unix(0, int64(n)).UTC(), nil
}

// enumValue accepts an enum as its number (what the collector writes) or as
// its proto name.
func enumValue(raw json.RawMessage, names []string) (int, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, nil
	}
	s := unquote(raw)
	if n, err := strconv.Atoi(s); err == nil {
		return n, nil
	}
	for i, name := range names {
		if name == s {
			return i, nil
		}
	}
	return 0, fmt.Errorf("unknown value %s", raw)
}

func unquote(raw json.RawMessage) string {
	s := strings.TrimSpace(string(raw))
	if len(s) >= 2 && s[0] == '"' {
		var u string
		if err := json.Unmarshal([]byte(s), &u); err == nil {
			return u
		}
	}
	return s
}

// hexID normalises a trace or span ID: lowercase, "" for absent or all-zero.
func hexID(id string) string {
	id = strings.ToLower(id)
	if strings.Trim(id, "0") == "" {
		return ""
	}
	return id
}

var severityNames = func() []string {
	names := []string{"SEVERITY_NUMBER_UNSPECIFIED"}
	for _, level := range []string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"} {
		base := "SEVERITY_NUMBER_" + level
		names = append(names, base, base+"2", base+"3", base+"4")
	}
	return names
}()

var spanKindNames = []string{
	"SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER",
	"SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER",
}

var statusCodeNames = []string{"STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"}
