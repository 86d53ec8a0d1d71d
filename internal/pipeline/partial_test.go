package pipeline

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"

	"github.com/fapilog/fapilog-go/internal/record"
)

// partialErr is what exporter.PartialError looks like to the pipeline.
type partialErr struct{ failed []int }

func (e *partialErr) Error() string        { return "some records not delivered" }
func (e *partialErr) FailedRecords() []int { return e.failed }

// partialExporter fails the records whose body is "fail" and delivers the
// others, reporting which failed.
type partialExporter struct{ delivered int }

func (e *partialExporter) Export(_ context.Context, recs []sdklog.Record) error {
	var failed []int
	for i := range recs {
		if recs[i].Body().AsString() == "fail" {
			failed = append(failed, i)
		} else {
			e.delivered++
		}
	}
	if failed == nil {
		return nil
	}
	return errors.Join(errors.New("wrapped"), &partialErr{failed: failed})
}
func (e *partialExporter) Shutdown(context.Context) error   { return nil }
func (e *partialExporter) ForceFlush(context.Context) error { return nil }

func TestPartialExportErrorsAreCountedPerRecord(t *testing.T) {
	exp := &partialExporter{}
	p := New(Settings{Exporter: exp, QueueSize: 64, BatchSize: 64, ExportInterval: time.Hour, Name: "partial", Warn: func(string) {}})
	ctx := context.Background()
	emit := func(sev log.Severity, body string) {
		if err := p.Emit(ctx, Admission{Severity: sev}, &record.Call{Severity: sev, Msg: body}, record.Args{}); err != nil {
			t.Fatal(err)
		}
	}
	emit(log.SeverityInfo, "ok")
	emit(log.SeverityInfo, "fail")
	emit(log.SeverityError, "ok")
	emit(log.SeverityFatal3, "fail")
	emit(log.SeverityFatal3, "ok")
	res, _ := p.Stop(ctx) // the shutdown reports the partial error
	if res.Submitted != 5 || res.Exported != 3 || res.Failed != 2 || exp.delivered != 3 {
		t.Fatalf("%+v, exporter delivered %d", res, exp.delivered)
	}
	info, errSev, sec := res.BySeverity[log.SeverityInfo], res.BySeverity[log.SeverityError], res.BySeverity[log.SeverityFatal3]
	if info != (LevelCounts{Submitted: 2, Exported: 1, Failed: 1}) || errSev != (LevelCounts{Submitted: 1, Exported: 1}) ||
		sec != (LevelCounts{Submitted: 2, Exported: 1, Failed: 1}) {
		t.Fatalf("per severity: info %+v error %+v security %+v", info, errSev, sec)
	}
}
