// Package bridge turns one logging call (level, message, key/values,
// context) into an OpenTelemetry log.Record and emits it.
//
// Below the record building sits the value conversion layer: how every Go
// value given to a logging call becomes an OpenTelemetry attribute value ([Value],
// [KeyValue]), how a slog-style key/value list is parsed ([AppendKV]), how
// duplicate keys are resolved ([Dedup], [DedupValue]) and how the exception
// ([ExceptionAttrs], [Stack]) and source-location ([SourceAttrs],
// [CallerPC]) attributes are built. All functions are safe for concurrent
// use; none of them panics, whatever the input.
//
// # How each Go value is encoded
//
// [Value] checks the common types with a type switch before it uses
// reflection, and converts strings, booleans, integers, floats and
// time.Duration without allocating.
//
//	Go value                              OTel value
//	------------------------------------  ---------------------------------------------
//	nil (untyped)                         EMPTY
//	typed nil pointer, map, slice,        EMPTY (no method of the value is called,
//	  interface, chan, func                 even if it is an error or a fmt.Stringer)
//	string                                STRING (invalid UTF-8: see below)
//	bool                                  BOOL
//	int, int8, int16, int32, int64        INT64
//	uint8, uint16, uint32                 INT64
//	uint, uint64, uintptr                 INT64 when <= math.MaxInt64, otherwise STRING
//	                                        of the decimal digits ("18446744073709551615")
//	float32, float64                      FLOAT64 (float32 widened exactly); NaN, +Inf
//	                                        and -Inf are kept as floats (OTLP JSON
//	                                        encoders write them as the strings "NaN",
//	                                        "Infinity", "-Infinity")
//	complex64, complex128                 STRING "(1+2i)"
//	[]byte (and other slices or arrays    BYTESLICE
//	  of a byte kind)
//	time.Time                             STRING in RFC 3339 with nanoseconds
//	                                        (time.RFC3339Nano), the zero time included:
//	                                        "0001-01-01T00:00:00Z"
//	time.Duration                         INT64 nanoseconds (the key is not changed)
//	attribute.Value                       passed through; only invalid UTF-8 in its
//	                                        strings and map keys is replaced (a valid
//	                                        value is returned as it is) (but invalid UTF-8,
//	                                        see below)
//	slog.Value                            its kind's value (Duration as INT64 ns, Time
//	                                        as above, Uint64 as uint64 above); a group
//	                                        is a MAP; a LogValuer is resolved first
//	slog.LogValuer                        LogValue() resolved as slog.Value.Resolve
//	                                        does (at most 100 calls, else "!CYCLE"),
//	                                        then converted; LogValue wins over Error
//	                                        and String
//	slog.Attr, []slog.Attr                MAP of the attribute(s), treated as slog's
//	                                        handlers do (see AppendKV)
//	attribute.KeyValue, []attribute.KeyValue  MAP of the pair(s), values as for
//	                                        attribute.Value (but
//	                                        invalid UTF-8, see below)
//	error                                 STRING err.Error()
//	fmt.Stringer                          STRING v.String()
//	pointer                               the value it points to (methods with a
//	                                        pointer receiver are honoured first)
//	slice, array                          SLICE of the converted elements
//	map                                   MAP, keys formatted as strings (strings as
//	                                        they are; integers, floats and booleans with
//	                                        strconv; time.Time as above; errors and
//	                                        Stringers with their method; anything else
//	                                        with fmt.Sprint), sorted by key; two keys
//	                                        that format alike are both kept
//	struct                                MAP of the exported fields, named by their
//	                                        `json` tag name when present; `json:"-"`
//	                                        fields are skipped, embedded structs are
//	                                        flattened as encoding/json does; unexported
//	                                        fields are skipped; omitempty is ignored;
//	                                        json.Marshaler is not used
//	chan, func, unsafe.Pointer            STRING of the type, e.g. "chan int", "func()"
//
// Slices of scalars ([]string, []int64, …) become a SLICE of typed values,
// not the attribute package's typed slices, so that every collection has the
// same OTLP wire shape: an array of AnyValue.
//
// Strings are never truncated here (the SDK's attribute value length limit
// does that). Invalid UTF-8 in strings, map keys and attribute keys (also
// inside attribute.Value and attribute.KeyValue arguments) is replaced by
// U+FFFD (one per run of invalid bytes, as strings.ToValidUTF8
// does): OTLP protobuf requires valid UTF-8 in string fields. Only strings
// that fail a utf8.ValidString check are copied.
//
// # Protection
//
// Markers are STRING values (or MAP keys) that start with "!":
//
//	"!PANIC: <value>"   a String, Error, LogValue or ErrorType method panicked
//	"!CYCLE"            a map, slice or pointer contains itself, or LogValue was
//	                      called 100 times without a result
//	"!DEPTH"            collections nest deeper than MaxDepth (16); a converted
//	                      value never nests more than MaxDepth SLICE/MAP levels
//	"!TRUNCATED <n>"    last element of a SLICE whose n further elements were left
//	                      out: a collection keeps at most MaxElements (1000) elements
//	"!TRUNCATED": n     the same, as the last entry of a MAP (maps keep their first
//	                      1000 keys in sorted order)
//	"!BADKEY"           key of a value that had no key (AppendKV)
//	"!EMPTYKEY"         replaces an empty attribute key, which the SDK would drop
//
// One call of [Value] also converts at most 65536 collection elements in
// total, so that a value graph that shares sub-collections cannot grow the
// result exponentially; past that budget collections are truncated as above.
//
// # Key/value lists
//
// [AppendKV] parses a call's key/values exactly like log/slog: alternating
// string keys and values, [attribute.KeyValue] and [slog.Attr] mixed freely,
// "!BADKEY" for a lone trailing value or a non-string where a key is expected.
// slog.Attr values follow the rules of slog's built-in handlers: an empty
// attribute (slog.Attr{}) and an empty group are left out, a group with an
// empty key has its members inlined, any other group becomes a MAP.
//
// # Duplicate keys
//
// [Dedup] resolves duplicate attribute keys in place, last value wins, at
// the position of the first occurrence: the OpenTelemetry SDK's semantics.
// [DedupValue] does the same inside MAP values, recursively.
package bridge
