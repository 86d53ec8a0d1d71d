package exporter

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	sdklog "go.opentelemetry.io/otel/sdk/log"

	"github.com/fapilog/fapilog-go/levels"
)

// ErrNoRoute is the error of a record that no route of a fan-out exporter
// takes. Such a record is counted as failed, never discarded silently: give
// a fan-out a route for every level (To takes all of them).
var ErrNoRoute = errors.New("no route takes the record")

// A Route is one destination of a fan-out exporter and the records it
// takes.
type Route struct {
	// Name names the destination in errors ("console", "otlp", "audit
	// file"); "" names it by its position.
	Name string
	// Exporter receives the records Match takes. The fan-out owns it: its
	// Shutdown shuts the exporter down.
	Exporter sdklog.Exporter
	// Match reports whether the destination takes a record; nil takes all.
	// It is called from Export, once per record and route, and must not
	// keep the record.
	Match func(r *sdklog.Record) bool
}

// To routes every record to e.
func To(name string, e sdklog.Exporter) Route { return Route{Name: name, Exporter: e} }

// ToMinLevel routes the records at min or above (by fapilog level, read
// from the severity number and text with levels.FromSeverity) to e.
func ToMinLevel(name string, e sdklog.Exporter, min levels.Level) Route {
	return Route{Name: name, Exporter: e, Match: func(r *sdklog.Record) bool {
		return levels.FromSeverity(r.Severity(), r.SeverityText()) >= min
	}}
}

// ToLevels routes the records at one of ls to e, for example AUDIT and
// SECURITY to an audit file.
func ToLevels(name string, e sdklog.Exporter, ls ...levels.Level) Route {
	ls = slices.Clone(ls)
	return Route{Name: name, Exporter: e, Match: func(r *sdklog.Record) bool {
		return slices.Contains(ls, levels.FromSeverity(r.Severity(), r.SeverityText()))
	}}
}

// fanout is the exporter of NewFanout.
type fanout struct {
	routes []Route
}

// NewFanout returns an exporter that sends each record to every route that
// takes it, for several destinations per logger and routing by level:
//
//	exporter.NewFanout(
//		exporter.To("console", exporter.NewConsole(os.Stderr)),
//		exporter.To("otlp", otlp),
//		exporter.ToLevels("audit file", file, levels.Audit, levels.Security),
//	)
//
// Counting. A record counts as exported (in the logger's DrainResult) only
// when every destination that takes it accepted it. When one destination
// fails, Export returns an [*PartialError] whose Failed lists the records
// that destination did not take (whatever the others did), and whose error
// names the destination: the logger counts those records as failed and
// says so on stderr, and the others as exported. A record no route takes
// is failed too ([ErrNoRoute]). So Failed counts records that missed at
// least one destination, and a console line or a file entry may exist for
// a record counted as failed; nothing is counted exported that one of its
// destinations lost. Destinations do not retry each other's failures.
//
// Export sends to the destinations at once, one goroutine per destination
// beyond the first, and returns when all have returned. Each destination's
// Export is never called concurrently with itself (the SDK's contract, kept
// because the fan-out's own Export is not). ForceFlush and Shutdown reach
// every destination and join their errors. The fan-out is safe for
// concurrent use as an sdklog.Exporter.
func NewFanout(routes ...Route) sdklog.Exporter {
	rs := make([]Route, 0, len(routes))
	for i, r := range routes {
		if r.Exporter == nil {
			continue
		}
		if r.Name == "" {
			r.Name = fmt.Sprintf("destination %d", i+1)
		}
		rs = append(rs, r)
	}
	return &fanout{routes: rs}
}

// routeResult is what one destination did with its share of a batch.
type routeResult struct {
	idx    []int // indices in the batch of the records sent; nil = all
	failed []int // indices in the batch it did not take
	err    error
}

// Export sends records to the routes that take them. See NewFanout for
// what a partial failure returns.
func (f *fanout) Export(ctx context.Context, records []sdklog.Record) error {
	if len(records) == 0 {
		return nil
	}
	results := make([]routeResult, len(f.routes))
	taken := make([]bool, len(records))
	var wg sync.WaitGroup
	for ri := range f.routes {
		rt := &f.routes[ri]
		res := &results[ri]
		batch := records
		if rt.Match != nil {
			batch = nil
			for i := range records {
				if rt.Match(&records[i]) {
					res.idx = append(res.idx, i)
				}
			}
			if len(res.idx) == 0 {
				continue
			}
			for _, i := range res.idx {
				taken[i] = true
			}
			if len(res.idx) < len(records) {
				batch = make([]sdklog.Record, len(res.idx))
				for k, i := range res.idx {
					batch[k] = records[i]
				}
			} else {
				batch, res.idx = records, nil
			}
		} else {
			for i := range taken {
				taken[i] = true
			}
		}
		send := func() {
			err := rt.Exporter.Export(ctx, batch)
			if err == nil {
				return
			}
			res.err = fmt.Errorf("exporter: fan-out to %s: %w", rt.Name, err)
			var pe *PartialError
			sub := []int(nil)
			if errors.As(err, &pe) {
				sub = pe.Failed
			} else {
				sub = make([]int, len(batch))
				for k := range sub {
					sub[k] = k
				}
			}
			for _, k := range sub {
				if k < 0 || k >= len(batch) {
					continue
				}
				if res.idx != nil {
					res.failed = append(res.failed, res.idx[k])
				} else {
					res.failed = append(res.failed, k)
				}
			}
		}
		if ri == len(f.routes)-1 {
			send() // the last one on this goroutine
		} else {
			wg.Add(1)
			go func() { defer wg.Done(); send() }()
		}
	}
	wg.Wait()

	failed := make([]bool, len(records))
	var errs []error
	for i := range results {
		if results[i].err != nil {
			errs = append(errs, results[i].err)
			for _, k := range results[i].failed {
				failed[k] = true
			}
		}
	}
	var unrouted int
	for i, t := range taken {
		if !t {
			failed[i] = true
			unrouted++
		}
	}
	if unrouted > 0 {
		errs = append(errs, fmt.Errorf("exporter: fan-out: %d record(s): %w", unrouted, ErrNoRoute))
	}
	if len(errs) == 0 {
		return nil
	}
	var idx []int
	for i, b := range failed {
		if b {
			idx = append(idx, i)
		}
	}
	err := errors.Join(errs...)
	if len(idx) == len(records) {
		return err
	}
	return &PartialError{Failed: idx, Err: err}
}

// ForceFlush flushes every destination.
func (f *fanout) ForceFlush(ctx context.Context) error {
	var errs []error
	for _, r := range f.routes {
		if err := r.Exporter.ForceFlush(ctx); err != nil {
			errs = append(errs, fmt.Errorf("exporter: fan-out flush of %s: %w", r.Name, err))
		}
	}
	return errors.Join(errs...)
}

// Shutdown shuts every destination down.
func (f *fanout) Shutdown(ctx context.Context) error {
	var errs []error
	for _, r := range f.routes {
		if err := r.Exporter.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("exporter: fan-out shutdown of %s: %w", r.Name, err))
		}
	}
	return errors.Join(errs...)
}
