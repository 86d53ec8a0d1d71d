package bridge

import (
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/attribute"

	"github.com/fapilog/fapilog-go/internal/callsite"
)

// Semantic-convention keys of the exception attributes.
const (
	ExceptionTypeKey       = attribute.Key("exception.type")
	ExceptionMessageKey    = attribute.Key("exception.message")
	ExceptionStacktraceKey = attribute.Key("exception.stacktrace")
)

// maxStackFrames is the number of frames Stack captures.
const maxStackFrames = 64

// ExceptionAttrs returns the exception.type, exception.message and
// exception.stacktrace attributes for err, in that order.
//
// The type is err's ErrorType() method if it has one that returns a
// non-empty string; otherwise the dynamic type of err after unwrapping
// fmt.Errorf("…%w…") wrappers (as the OpenTelemetry SDK does), written as
// "pkgpath.Name" ("*pkgpath.Name" for pointer types). The message is
// err.Error(), protected against panics ("!PANIC: …") and made valid UTF-8.
// A nil err, or a nil pointer held in err, gives the message "<nil>" (and
// the type "" for a nil interface); its methods are not called.
//
// The stack trace is [Stack](skip+1): the stack of the caller of
// ExceptionAttrs (skip 0), or of its callers further up (skip > 0),
// without the frames of this library at its top.
//
// ExceptionAttrs is safe for concurrent use by multiple goroutines, provided
// that err's methods are.
func ExceptionAttrs(err error, skip int) [3]attribute.KeyValue {
	typ, msg := "", "<nil>"
	if err != nil {
		typ = exceptionType(err)
		if !isNil(err) {
			msg = validUTF8(safeError(err))
		}
	}
	return [3]attribute.KeyValue{
		ExceptionTypeKey.String(typ),
		ExceptionMessageKey.String(msg),
		ExceptionStacktraceKey.String(stack(skip + 1)),
	}
}

var fmtWrapErrorType = reflect.TypeOf(fmt.Errorf("wrapped: %w", errors.New("err")))

// exceptionType returns the exception.type of a non-nil err.
func exceptionType(err error) (typ string) {
	defer func() {
		if recover() != nil {
			typ = typeName(reflect.TypeOf(err))
		}
	}()
	if et, ok := err.(interface{ ErrorType() string }); ok && !isNil(err) {
		if s := et.ErrorType(); s != "" {
			return validUTF8(s)
		}
	}
	for range 100 {
		if reflect.TypeOf(err) != fmtWrapErrorType || isNil(err) {
			break
		}
		u := errors.Unwrap(err)
		if u == nil {
			break // a wrapper of nil: use the wrapper's type
		}
		err = u
	}
	return typeName(reflect.TypeOf(err))
}

// typeName returns "pkgpath.Name" for a named type, with one "*" per level
// of pointer, and the Go syntax of the type for others.
func typeName(t reflect.Type) string {
	if t == nil {
		return ""
	}
	stars := 0
	for t.Kind() == reflect.Pointer && t.Name() == "" {
		stars++
		t = t.Elem()
	}
	prefix := strings.Repeat("*", stars)
	if pkg, name := t.PkgPath(), t.Name(); pkg != "" && name != "" {
		return validUTF8(prefix + pkg + "." + name)
	}
	return validUTF8(prefix + t.String())
}

// Stack returns the stack of the goroutine that calls it, formatted like the
// frames of a Go panic trace without arguments and offsets, one frame per
// two lines:
//
//	pkg.Func(...)
//		/path/file.go:123
//
// skip is the number of frames to leave out, with 0 identifying the caller
// of Stack. Then, frames of this library (any function of the module
// github.com/fapilog/fapilog-go, except its examples and its _test.go
// files) are left out while they are at the top of the stack, so that a
// logging call reports the stack of the code that made it. At most 64 frames
// are written; a last line "...additional frames elided..." tells when more
// exist.
//
// Stack is safe for concurrent use by multiple goroutines.
func Stack(skip int) string {
	return stack(skip + 1)
}

// stack implements Stack; skip 0 identifies the caller of stack.
func stack(skip int) string {
	var pcs [maxStackFrames + 1]uintptr
	n := runtime.Callers(skip+2, pcs[:])
	elided := n > maxStackFrames
	frames := runtime.CallersFrames(pcs[:min(n, maxStackFrames)])
	var b strings.Builder
	top := true
	for {
		f, more := frames.Next()
		if f.PC == 0 && f.Function == "" && f.File == "" {
			break
		}
		if top && callsite.IsLibrary(f) {
			if !more {
				break
			}
			continue
		}
		top = false
		fn := f.Function
		if fn == "" {
			fn = "unknown"
		}
		b.WriteString(fn)
		b.WriteString("(...)\n\t")
		b.WriteString(f.File)
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(f.Line))
		b.WriteByte('\n')
		if !more {
			break
		}
	}
	if elided {
		b.WriteString("...additional frames elided...\n")
	}
	return validUTF8(b.String())
}
