package redact

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
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
	// Presets add compliance key sets and value detectors on top of the
	// mode: PresetCredentials, PresetPCIDSS, PresetHIPAAPHI, PresetGDPRPII.
	Presets []Preset
}

// Redactor masks credentials and sensitive values in records. It is safe
// for concurrent use. What it masks is fixed by New; its only state is a
// cache of how keys classified (the first sight of a key fills a slot, at
// most 1,024 times in all). A record with nothing to mask costs no
// allocation once its keys have been seen.
type Redactor struct {
	keys      keySet
	patterns  []*regexp.Regexp
	patCache  atomic.Pointer[map[string]bool]
	keyCache  atomic.Pointer[keyCache] // see classify
	patMu     sync.Mutex
	paths     *pathNode
	schemes   schemeSet
	anyScheme bool
	strict    bool
	textScan  bool // pairs, bearer and JWTs in text (strict, credentials preset)
	cards     bool // card numbers in text (pci-dss preset)
	emails    bool // email addresses in text (gdpr-pii preset)
	maskStr   string
	mask      attribute.Value
	limit     attribute.Value
	maxDepth  int
	maxKeys   int
	mode      Mode
}

// New builds a Redactor from cfg.
func New(cfg Config) (*Redactor, error) {
	r := &Redactor{
		strict:    cfg.Mode == ModeStrict,
		textScan:  cfg.Mode == ModeStrict,
		anyScheme: cfg.Mode == ModeStrict,
		maskStr:   cfg.Mask,
		maxDepth:  cfg.MaxDepth,
		maxKeys:   cfg.MaxKeys,
		mode:      cfg.Mode,
		schemes:   schemeSet{},
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
	errs = append(errs, r.applyPresets(cfg.Presets)...)
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

// Sensitive reports whether the value of key is masked wherever it occurs.
func (r *Redactor) Sensitive(key string) bool { return r.sensitive(key) }

func (r *Redactor) sensitive(key string) bool {
	return r.classify(key) != noMatch || (r.patterns != nil && r.matchPattern(key))
}

// masks reports whether the value v of key is masked: a plural match
// ("total_tokens") keeps numbers and booleans, which are counts and flags.
func (r *Redactor) masks(key string, v attribute.Value) bool {
	switch r.classify(key) {
	case fullMatch:
		return true
	case pluralMatch:
		switch v.Type() {
		case attribute.INT64, attribute.FLOAT64, attribute.BOOL:
		default:
			return true
		}
	}
	return r.patterns != nil && r.matchPattern(key)
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
//
// No attribute turns redaction off: a record's data cannot switch it off
// (a form field or a header map would be enough to produce any key). The
// only opt-out is configuration: a logger built without a Redactor.
func (r *Redactor) Redact(msg string, attrs []attribute.KeyValue) (string, []attribute.KeyValue) {
	if s, ok := r.String(msg); ok {
		msg = s
	}
	w := walker{r: r, budget: r.maxKeys}
	for i := range attrs {
		kv := &attrs[i]
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
				if r.masks(string(kv.Key), kv.Value) {
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
	if w.r.masks(key, v) {
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
	case attribute.BYTESLICE:
		// Bytes are often text (a DSN read from a file, a request body).
		if s, ok := w.r.String(v.AsString()); ok {
			return attribute.ByteSliceValue([]byte(s)), true
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
		renamed := false
		for i, kv := range kvs {
			w.budget--
			var nv attribute.Value
			var ok bool
			key := kv.Key
			if w.budget < 0 {
				nv, ok = w.limitValue(kv.Value)
			} else {
				nv, ok = w.entry(string(kv.Key), kv.Value, node, depth+1)
				// Map keys are data too: a pool per DSN, a count per URL.
				if k, changed := w.r.String(string(key)); changed {
					key, ok, renamed = attribute.Key(k), true, true
				}
			}
			if ok && out == nil {
				out = append(make([]attribute.KeyValue, 0, len(kvs)), kvs[:i]...)
			}
			if out != nil {
				out = append(out, attribute.KeyValue{Key: key, Value: nv})
			}
		}
		if renamed {
			uniqueKeys(out)
		}
		if out != nil {
			return attribute.MapValue(out...), true
		}
	}
	return v, false
}

// uniqueKeys renames keys that masking made equal ("redis://:a@h" and
// "redis://:b@h" both become "redis://:***@h") to "key#2", "key#3", …: a
// map with two equal keys is read differently by different JSON readers
// (and the audit verifier rejects it).
func uniqueKeys(kvs []attribute.KeyValue) {
	for i := 1; i < len(kvs); i++ {
		for n := 2; ; n++ {
			dup := false
			for j := range i {
				if kvs[j].Key == kvs[i].Key {
					dup = true
					break
				}
			}
			if !dup {
				break
			}
			base := string(kvs[i].Key)
			if n > 2 {
				base = base[:strings.LastIndexByte(base, '#')]
			}
			kvs[i].Key = attribute.Key(base + "#" + strconv.Itoa(n))
		}
	}
}
