package audit_test

import "go.opentelemetry.io/otel/log"

func logSev(n int) log.Severity { return log.Severity(n) }
