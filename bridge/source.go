package bridge

import (
	"runtime"

	"go.opentelemetry.io/otel/attribute"
)

// Semantic-convention keys of the source-location attributes (semantic
// conventions v1.30 and later).
const (
	CodeFunctionNameKey = attribute.Key("code.function.name")
	CodeFilePathKey     = attribute.Key("code.file.path")
	CodeLineNumberKey   = attribute.Key("code.line.number")
)

// CallerPC returns the program counter of a caller, for [SourceAttrs]: skip 0
// identifies the caller of CallerPC, 1 its caller, and so on (as with
// runtime.Callers, inlined frames count). It returns 0 when the stack is not
// that deep.
//
// CallerPC is safe for concurrent use by multiple goroutines.
func CallerPC(skip int) uintptr {
	var pcs [1]uintptr
	runtime.Callers(skip+2, pcs[:])
	return pcs[0]
}

// SourceAttrs returns the code.function.name (package path-qualified, e.g.
// "example.com/app.(*Server).handle"), code.file.path and code.line.number
// attributes of the location identified by pc, a program counter as
// returned by [CallerPC] or runtime.Callers. For pc 0 it returns three zero
// KeyValues (invalid: Valid() reports false), which the caller should skip.
//
// SourceAttrs is safe for concurrent use by multiple goroutines.
func SourceAttrs(pc uintptr) [3]attribute.KeyValue {
	if pc == 0 {
		return [3]attribute.KeyValue{}
	}
	f, _ := runtime.CallersFrames([]uintptr{pc}).Next()
	return [3]attribute.KeyValue{
		CodeFunctionNameKey.String(validUTF8(f.Function)),
		CodeFilePathKey.String(validUTF8(f.File)),
		CodeLineNumberKey.Int(f.Line),
	}
}
