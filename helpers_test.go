package fapilog

import "runtime"

func callerLine() (uintptr, string, int, bool) { return runtime.Caller(1) }
