package fapilogslog

import (
	"context"
	"log/slog"
	"sync"

	"go.opentelemetry.io/otel/attribute"

	fapilog "github.com/fapilog/fapilog-go"
	"github.com/fapilog/fapilog-go/bridge"
	"github.com/fapilog/fapilog-go/levels"
)

// The slog levels of fapilog's levels above ERROR, continuing slog's steps
// of four (slog.LevelError is 8).
const (
	LevelCritical = slog.Level(12) // fapilog CRITICAL
	LevelAudit    = slog.Level(16) // fapilog AUDIT
	LevelSecurity = slog.Level(20) // fapilog SECURITY
)

// MapLevel returns the fapilog level a slog level is logged at: the fapilog
// level of the nearest slog level at or below l (see the package
// documentation), DEBUG below slog.LevelDebug.
func MapLevel(l slog.Level) levels.Level {
	switch {
	case l >= LevelSecurity:
		return levels.Security
	case l >= LevelAudit:
		return levels.Audit
	case l >= LevelCritical:
		return levels.Critical
	case l >= slog.LevelError:
		return levels.Error
	case l >= slog.LevelWarn:
		return levels.Warning
	case l >= slog.LevelInfo:
		return levels.Info
	}
	return levels.Debug
}

// An Option configures a Handler.
type Option interface{ apply(*Handler) }

type optionFunc func(*Handler)

func (f optionFunc) apply(h *Handler) { f(h) }

// WithSource turns the code.* source attributes on or off for this
// handler. The default is the fapilog logger's own setting
// (fapilog.WithSource).
func WithSource(on bool) Option { return optionFunc(func(h *Handler) { h.source = on }) }

// Handler is a slog.Handler that logs through a fapilog Logger. Build one
// with NewHandler. A Handler is immutable, so it is safe for concurrent use,
// and so are the handlers WithAttrs and WithGroup return.
type Handler struct {
	logger *fapilog.Logger
	core   fapilog.Core
	source bool
	// attrs are the WithAttrs attributes given before any WithGroup,
	// converted and de-duplicated.
	attrs []attribute.KeyValue
	// group is the innermost open group, nil when none is.
	group *group
	// static is the MAP of the open groups for a record without
	// attributes: computed once, when the groups or their attributes
	// change. Its key is empty when every open group is empty.
	static attribute.KeyValue
}

// group is one WithGroup, with the attributes WithAttrs added while it was
// the innermost group (converted, de-duplicated, never modified).
type group struct {
	name   string
	attrs  []attribute.KeyValue
	parent *group
}

var _ slog.Handler = (*Handler)(nil)

// NewHandler returns a handler that logs through logger (nil means the
// default logger, fapilog.GetLogger("")). The records carry the logger's
// name as their instrumentation scope and its With fields; they go through
// its pipeline and are counted in its DrainResult.
func NewHandler(logger *fapilog.Logger, opts ...Option) *Handler {
	if logger == nil {
		logger = fapilog.GetLogger("")
	}
	core := logger.Core()
	h := &Handler{logger: logger, core: core, source: core.Source()}
	for _, o := range opts {
		if o != nil {
			o.apply(h)
		}
	}
	return h
}

// Logger returns the fapilog logger the handler logs through.
func (h *Handler) Logger() *fapilog.Logger { return h.logger }

// Enabled reports whether the fapilog logger records level (after
// MapLevel): its level gate decides, and AUDIT and SECURITY always pass.
func (h *Handler) Enabled(_ context.Context, level slog.Level) bool {
	return h.core.Enabled(MapLevel(level))
}

// Handle logs r through the fapilog logger. It returns nil once the record
// is accepted (or when its level is below the gate), fapilog.ErrDropped
// when there was no room for it in time, fapilog.ErrStopped once the
// logger is drained, or ctx.Err() when ctx ended while it waited.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	if ctx == nil {
		ctx = context.Background()
	}
	b := buffers.Get().(*buffer)
	attrs := b.kvs[:0]
	if h.source && r.PC != 0 {
		src := bridge.SourceAttrs(r.PC)
		attrs = append(attrs, src[:]...)
	}
	attrs = append(attrs, h.attrs...)
	switch {
	case h.group == nil:
		r.Attrs(func(a slog.Attr) bool {
			attrs = bridge.AppendAttr(attrs, a)
			return true
		})
	case r.NumAttrs() == 0:
		if h.static.Key != "" {
			attrs = append(attrs, h.static)
		}
	default:
		members := make([]attribute.KeyValue, 0, len(h.group.attrs)+r.NumAttrs())
		members = append(members, h.group.attrs...)
		r.Attrs(func(a slog.Attr) bool {
			members = bridge.AppendAttr(members, a)
			return true
		})
		if kv := h.group.nest(members); kv.Key != "" {
			attrs = append(attrs, kv)
		}
	}
	err := h.core.Emit(ctx, MapLevel(r.Level), r.Time, r.Message, attrs)
	b.put(attrs)
	return err
}

// WithAttrs returns a handler that adds attrs to every record, inside the
// open groups. The attributes are converted here, once.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	h2 := *h
	if h.group == nil {
		h2.attrs = appendConverted(h.attrs, attrs)
		return &h2
	}
	g := *h.group
	g.attrs = appendConverted(g.attrs, attrs)
	h2.group = &g
	h2.static = g.nest(append([]attribute.KeyValue(nil), g.attrs...))
	return &h2
}

// WithGroup returns a handler that nests the attributes of later WithAttrs
// calls and of each record in a MAP named name. An empty name returns h.
func (h *Handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	name = bridge.ValidString(name)
	h2 := *h
	h2.group = &group{name: name, parent: h.group}
	h2.static = h2.group.nest(nil)
	return &h2
}

// appendConverted returns a new slice: base followed by attrs converted,
// de-duplicated (last value wins).
func appendConverted(base []attribute.KeyValue, attrs []slog.Attr) []attribute.KeyValue {
	out := make([]attribute.KeyValue, 0, len(base)+len(attrs))
	out = append(out, base...)
	for _, a := range attrs {
		out = bridge.AppendAttr(out, a)
	}
	return bridge.Dedup(out)
}

// nest wraps members, the attributes of the innermost group g (a slice
// nest may modify), in g's MAP, then that in each parent's MAP with the
// parent's own attributes, and returns the outermost group's attribute. A
// group without members is left out; the result has an empty key when
// every group is.
func (g *group) nest(members []attribute.KeyValue) attribute.KeyValue {
	kv := groupKV(g.name, bridge.Dedup(members))
	for p := g.parent; p != nil; p = p.parent {
		if kv.Key == "" {
			// p.attrs is shared by handlers: read it, never modify it.
			kv = groupKV(p.name, p.attrs)
			continue
		}
		m := make([]attribute.KeyValue, 0, len(p.attrs)+1)
		m = append(m, p.attrs...)
		kv = groupKV(p.name, bridge.Dedup(append(m, kv)))
	}
	return kv
}

// groupKV is the attribute of a group with members (attribute.MapValue
// copies them), or the zero KeyValue when there are none.
func groupKV(name string, members []attribute.KeyValue) attribute.KeyValue {
	if len(members) == 0 {
		return attribute.KeyValue{}
	}
	return attribute.KeyValue{Key: attribute.Key(name), Value: attribute.MapValue(members...)}
}

// buffer is a pooled attribute buffer: Handle's attributes escape into the
// emit hook, so a stack array would be allocated on every call.
type buffer struct{ kvs []attribute.KeyValue }

// maxPooled is the largest buffer kept for reuse.
const maxPooled = 256

var buffers = sync.Pool{New: func() any { return &buffer{kvs: make([]attribute.KeyValue, 0, 16)} }}

func (b *buffer) put(kvs []attribute.KeyValue) {
	if cap(kvs) > maxPooled {
		return
	}
	clear(kvs)
	b.kvs = kvs[:0]
	buffers.Put(b)
}
