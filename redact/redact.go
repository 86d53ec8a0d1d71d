package redact

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"

	"github.com/fapilog/fapilog-go/bridge"
)

// Defaults of the guardrails and the mask.
const (
	// DefaultMask replaces every masked value and credential.
	DefaultMask = "***"
	// DefaultMaxDepth is the deepest SLICE/MAP nesting scanned (the bridge
	// never builds deeper values, so this limit only meets values built by
	// hand). A collection deeper than that is replaced by LimitMarker.
	DefaultMaxDepth = 16
	// DefaultMaxKeys is the number of attributes, map entries and slice
	// elements scanned per record. Values past it are replaced by
	// LimitMarker: redaction fails closed.
	DefaultMaxKeys = 10000
	// LimitMarker replaces a value that a guardrail kept from being scanned.
	LimitMarker = "!REDACTION-LIMIT"
)

// OptOutKey is the attribute key of the per-call opt-out (see Off).
const OptOutKey = "fapilog.redaction"

// Off returns the per-call opt-out: a record that carries it (as a call
// key/value, a With field or a bound field) is not redacted, for local
// debugging. The attribute stays in the record (fapilog.redaction=off), so
// unredacted records are easy to find. When opt-out is denied
// (Config.DenyOptOut, FAPILOG_REDACTION_OPTOUT=deny) the record is redacted
// anyway and the attribute reads "denied".
//
//	logger.Debug("token exchange", "body", body, redact.Off())
func Off() attribute.KeyValue { return attribute.String(OptOutKey, "off") }

// Mode selects how much is masked.
type Mode uint8

const (
	// ModeDefault masks URL credentials of the known schemes (the
	// password; a lone user name, often a token) and the values of
	// sensitive keys.
	ModeDefault Mode = iota
	// ModeStrict also masks the user name of URLs, URLs of any scheme,
	// key=value / key: value / "key":"value" pairs of sensitive keys in
	// text (query strings, headers, JSON, messages), credentials after
	// "Bearer " and "Basic ", JSON Web Tokens, and payment and identity
	// keys (card numbers, CVV, SSN, IBAN, PIN, OTP).
	ModeStrict
)

// String returns "default" or "strict".
func (m Mode) String() string {
	if m == ModeStrict {
		return "strict"
	}
	return "default"
}

// Config configures a Redactor. The zero Config is the default redaction.
type Config struct {
	Mode Mode
	// Keys are more sensitive keys, matched like the defaults: normalized
	// (lowercase, separators dropped) and as a suffix at a word boundary
	// ("card_token" matches "token" and "my-card-token").
	Keys []string
	// KeyPatterns are matched against the raw key (as written); a match
	// masks the value. Results are cached per key (up to 4096 keys).
	KeyPatterns []*regexp.Regexp
	// Paths are dotted paths whose value is masked ("user.card.number"),
	// nested (MAP values) or flat (a key with dots). Segments are
	// case-sensitive; slices are transparent.
	Paths []string
	// Schemes are more URL schemes whose user information is masked.
	Schemes []string
	// Mask replaces masked values; "" means DefaultMask.
	Mask string
	// MaxDepth and MaxKeys are the guardrails; 0 means the default.
	MaxDepth int
	MaxKeys  int
	// DenyOptOut ignores Off(): every record is redacted.
	DenyOptOut bool
}

// Redactor masks credentials and sensitive values in records. It is safe
// for concurrent use, and immutable: everything is
// precomputed by New. A record with nothing to mask costs no allocation.
type Redactor struct {
	keys       keySet
	patterns   []*regexp.Regexp
	patCache   atomic.Pointer[map[string]bool]
	patMu      sync.Mutex
	paths      *pathNode
	schemes    schemeSet
	anyScheme  bool
	strict     bool
	maskStr    string
	mask       attribute.Value
	limit      attribute.Value
	maxDepth   int
	maxKeys    int
	denyOptOut bool
	mode       Mode
}

// New builds a Redactor from cfg.
func New(cfg Config) (*Redactor, error) {
	r := &Redactor{
		strict:     cfg.Mode == ModeStrict,
		anyScheme:  cfg.Mode == ModeStrict,
		maskStr:    cfg.Mask,
		maxDepth:   cfg.MaxDepth,
		maxKeys:    cfg.MaxKeys,
		denyOptOut: cfg.DenyOptOut,
		mode:       cfg.Mode,
		schemes:    schemeSet{},
	}
	if cfg.Mode > ModeStrict {
		return nil, fmt.Errorf("redact: unknown mode %d", cfg.Mode)
	}
	if r.maskStr == "" {
		r.maskStr = DefaultMask
	}
	if r.maxDepth <= 0 {
		r.maxDepth = DefaultMaxDepth
	}
	if r.maxKeys <= 0 {
		r.maxKeys = DefaultMaxKeys
	}
	r.mask = attribute.StringValue(r.maskStr)
	r.limit = attribute.StringValue(LimitMarker)
	var errs []error
	add := func(words []string, suffix bool) {
		for _, w := range words {
			if err := r.keys.add(w, suffix); err != nil {
				errs = append(errs, err)
			}
		}
	}
	add(defaultSuffixKeys, true)
	add(defaultExactKeys, false)
	if r.strict {
		add(strictSuffixKeys, true)
	}
	add(cfg.Keys, true)
	for i, p := range cfg.KeyPatterns {
		if p == nil {
			errs = append(errs, fmt.Errorf("redact: key pattern %d is nil", i))
			continue
		}
		r.patterns = append(r.patterns, p)
	}
	if len(r.patterns) > 0 {
		r.patCache.Store(&map[string]bool{})
	}
	if len(cfg.Paths) > 0 {
		r.paths = &pathNode{}
		for _, p := range cfg.Paths {
			if err := r.paths.add(p); err != nil {
				errs = append(errs, err)
			}
		}
	}
	for _, s := range append(append([]string{}, defaultSchemes...), cfg.Schemes...) {
		s = strings.ToLower(strings.TrimSuffix(s, "://"))
		if s == "" || len(s) > maxScheme {
			errs = append(errs, fmt.Errorf("redact: bad scheme %q", s))
			continue
		}
		r.schemes[s] = struct{}{}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return r, nil
}

var (
	defaultOnce, strictOnce sync.Once
	defaultR, strictR       *Redactor
)

// Default returns the shared Redactor of the zero Config.
func Default() *Redactor {
	defaultOnce.Do(func() { defaultR, _ = New(Config{}) })
	return defaultR
}

// Strict returns the shared Redactor of Config{Mode: ModeStrict}.
func Strict() *Redactor {
	strictOnce.Do(func() { strictR, _ = New(Config{Mode: ModeStrict}) })
	return strictR
}

// Mode returns the redactor's mode.
func (r *Redactor) Mode() Mode { return r.mode }

// DeniesOptOut reports whether Off() is ignored.
func (r *Redactor) DeniesOptOut() bool { return r.denyOptOut }

// Sensitive reports whether the value of key is masked wherever it occurs.
func (r *Redactor) Sensitive(key string) bool { return r.sensitive(key) }

func (r *Redactor) sensitive(key string) bool {
	return (r.keys.maybe(key) && r.keys.match(key)) || (r.patterns != nil && r.matchPattern(key))
}

const patCacheMax = 4096

func (r *Redactor) matchPattern(key string) bool {
	cache := *r.patCache.Load()
	if hit, ok := cache[key]; ok {
		return hit
	}
	hit := false
	for _, p := range r.patterns {
		if p.MatchString(key) {
			hit = true
			break
		}
	}
	if len(cache) < patCacheMax {
		// Copy on write: readers never lock. Misses stop once the keys
		// of a program are known, so the copies are few.
		r.patMu.Lock()
		cur := *r.patCache.Load()
		if len(cur) < patCacheMax {
			next := make(map[string]bool, len(cur)+1)
			for k, v := range cur {
				next[k] = v
			}
			next[strings.Clone(key)] = hit
			r.patCache.Store(&next)
		}
		r.patMu.Unlock()
	}
	return hit
}

// Redact masks a record's message and attributes. It rewrites attrs in
// place; nested SLICE and MAP values are copied only where something is
// masked, never modified. Loggers call it on every record before it is
// built.
func (r *Redactor) Redact(msg string, attrs []attribute.KeyValue) (string, []attribute.KeyValue) {
	for i := range attrs {
		if attrs[i].Key != OptOutKey {
			continue
		}
		if v := attrs[i].Value; v.Type() == attribute.STRING && v.AsString() == "off" {
			if !r.denyOptOut {
				return msg, attrs
			}
			attrs[i].Value = attribute.StringValue("denied")
		}
	}
	if s, ok := r.String(msg); ok {
		msg = s
	}
	w := walker{r: r, budget: r.maxKeys}
	for i := range attrs {
		kv := &attrs[i]
		if kv.Key == OptOutKey {
			continue
		}
		if w.budget--; w.budget < 0 {
			kv.Value, _ = w.limitValue(kv.Value)
			continue
		}
		// Fast path for scalars when no path is configured: no value
		// copies through the walker.
		if r.paths == nil {
			switch t := kv.Value.Type(); t {
			case attribute.EMPTY:
				continue
			case attribute.BOOL, attribute.INT64, attribute.FLOAT64, attribute.STRING:
				if k := string(kv.Key); (r.keys.maybe(k) && r.keys.match(k)) || (r.patterns != nil && r.matchPattern(k)) {
					if t != attribute.STRING || kv.Value.AsString() != r.maskStr {
						kv.Value = r.mask
					}
				} else if t == attribute.STRING {
					if s, ok := r.String(kv.Value.AsString()); ok {
						kv.Value = attribute.StringValue(s)
					}
				}
				continue
			}
		}
		if v, ok := w.entry(string(kv.Key), kv.Value, r.paths, 0); ok {
			kv.Value = v
		}
	}
	return msg, attrs
}

// Value returns v, the value of key, redacted as Apply would.
func (r *Redactor) Value(key string, v attribute.Value) attribute.Value {
	w := walker{r: r, budget: r.maxKeys}
	out, _ := w.entry(key, v, r.paths, 0)
	return out
}

type walker struct {
	r      *Redactor
	budget int
}

// entry redacts the value v of key at node (nil: no path applies).
func (w *walker) entry(key string, v attribute.Value, node *pathNode, depth int) (attribute.Value, bool) {
	if v.Type() == attribute.EMPTY {
		return v, false
	}
	var next *pathNode
	if node != nil {
		next = node.walk(key)
		if next != nil && next.terminal {
			return w.masked(v)
		}
	}
	if w.r.sensitive(key) {
		return w.masked(v)
	}
	return w.value(v, next, depth)
}

func (w *walker) masked(v attribute.Value) (attribute.Value, bool) {
	if v.Type() == attribute.STRING && v.AsString() == w.r.maskStr {
		return v, false
	}
	return w.r.mask, true
}

// limitValue is what a value past the MaxKeys guardrail becomes: it was
// not scanned, so it is replaced by LimitMarker (an empty value stays).
func (w *walker) limitValue(v attribute.Value) (attribute.Value, bool) {
	if v.Type() == attribute.EMPTY {
		return v, false
	}
	return w.r.limit, true
}

func (w *walker) value(v attribute.Value, node *pathNode, depth int) (attribute.Value, bool) {
	switch v.Type() {
	case attribute.STRING:
		if s, ok := w.r.String(v.AsString()); ok {
			return attribute.StringValue(s), true
		}
	case attribute.STRINGSLICE:
		elems := bridge.SliceOf[string](v)
		var out []string
		for i, e := range elems {
			w.budget--
			s, ok := e, false
			if w.budget < 0 {
				s, ok = LimitMarker, true
			} else {
				s, ok = w.r.String(e)
			}
			if ok && out == nil {
				out = append(make([]string, 0, len(elems)), elems[:i]...)
			}
			if out != nil {
				out = append(out, s)
			}
		}
		if out != nil {
			return attribute.StringSliceValue(out), true
		}
	case attribute.SLICE:
		if depth >= w.r.maxDepth {
			return w.r.limit, true
		}
		elems := bridge.SliceView(v)
		var out []attribute.Value
		for i, e := range elems {
			w.budget--
			var nv attribute.Value
			ok := false
			if w.budget < 0 {
				nv, ok = w.limitValue(e)
			} else {
				nv, ok = w.value(e, node, depth+1)
			}
			if ok && out == nil {
				out = append(make([]attribute.Value, 0, len(elems)), elems[:i]...)
			}
			if out != nil {
				out = append(out, nv)
			}
		}
		if out != nil {
			return attribute.SliceValue(out...), true
		}
	case attribute.MAP:
		if depth >= w.r.maxDepth {
			return w.r.limit, true
		}
		kvs := bridge.MapView(v)
		var out []attribute.KeyValue
		for i, kv := range kvs {
			w.budget--
			var nv attribute.Value
			var ok bool
			if w.budget < 0 {
				nv, ok = w.limitValue(kv.Value)
			} else {
				nv, ok = w.entry(string(kv.Key), kv.Value, node, depth+1)
			}
			if ok && out == nil {
				out = append(make([]attribute.KeyValue, 0, len(kvs)), kvs[:i]...)
			}
			if out != nil {
				out = append(out, attribute.KeyValue{Key: kv.Key, Value: nv})
			}
		}
		if out != nil {
			return attribute.MapValue(out...), true
		}
	}
	return v, false
}
