package exporter

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	sdklog "go.opentelemetry.io/otel/sdk/log"
	"gopkg.in/natefinch/lumberjack.v2"
)

// FileConfig configures NewFile. Rotation, retention and compression are
// lumberjack's (gopkg.in/natefinch/lumberjack.v2), with its defaults.
type FileConfig struct {
	// Path of the file written to; its folder is created (0o700) when
	// missing. Required.
	Path string
	// MaxSizeMB rotates the file when a write would take it past this many
	// megabytes. 0: 100.
	MaxSizeMB int
	// RotateEvery also rotates the file once it has been written to for
	// this long (checked at each export; 0: by size only), e.g. 24h for a
	// file per day.
	RotateEvery time.Duration
	// MaxBackups is how many rotated files are kept. 0: all (unless
	// MaxAgeDays removes them).
	MaxBackups int
	// MaxAgeDays removes rotated files older than this many days, by the
	// timestamp in their name. 0: never.
	MaxAgeDays int
	// Compress gzips rotated files (name.gz).
	Compress bool
	// LocalTime names rotated files by local time instead of UTC.
	LocalTime bool
}

// FileGoroutine is the function of the goroutine lumberjack starts for a
// file path on its first write and never stops (one per path, for the life
// of the process): tests that check for leaked goroutines with goleak
// ignore it with goleak.IgnoreAnyFunction(exporter.FileGoroutine).
const FileGoroutine = "gopkg.in/natefinch/lumberjack%2ev2.(*Logger).millRun"

// A file path is served by one lumberjack.Logger for the whole process,
// shared by every file exporter of that path: two writers rotating one
// file would rename it under each other. lumberjack starts one goroutine
// per Logger on its first write (compression and removal of old files) and
// never stops it, so sharing also bounds those goroutines to one per path.
var (
	filesMu sync.Mutex
	files   = map[string]*sharedFile{}
)

// sharedFile is one path's writer and rotation state.
type sharedFile struct {
	lj     *lumberjack.Logger
	cfg    FileConfig
	refs   int
	mu     sync.Mutex // guards opened; lumberjack has its own lock
	opened time.Time
}

// fileExporter writes JSON lines to a shared file.
type fileExporter struct {
	*lineExporter
	f    *sharedFile
	path string
	once sync.Once
}

// NewFile returns an exporter that writes each record as one JSON line, in
// the console exporter's JSON format (so fapilog-verify reads it), to a
// file rotated by size and age, with old files removed by count and age and
// optionally compressed. Rotated files keep lumberjack's default names:
// name-2006-01-02T15-04-05.000.ext (UTC unless LocalTime), then .gz when
// compressed; the file being written keeps Path and is created with mode
// 0600.
//
// Each batch is one write. A write error (disk full, permission) fails the
// export, so the logger counts the records failed and says so on stderr.
// Lines are not synced to disk on each write: an operating-system crash
// may lose the last ones; a process crash does not.
//
// Exporters of one path share one writer (see the files registry): NewFile
// with a path already open with another FileConfig fails. The file is
// closed when the last exporter of the path is shut down. The exporter is
// safe for concurrent use.
func NewFile(cfg FileConfig) (sdklog.Exporter, error) {
	if cfg.Path == "" {
		return nil, errors.New("exporter: file: FileConfig.Path is empty")
	}
	if cfg.MaxSizeMB < 0 || cfg.MaxBackups < 0 || cfg.MaxAgeDays < 0 || cfg.RotateEvery < 0 {
		return nil, fmt.Errorf("exporter: file %s: sizes, counts and ages must not be negative", cfg.Path)
	}
	abs, err := filepath.Abs(cfg.Path)
	if err != nil {
		return nil, fmt.Errorf("exporter: file %s: %w", cfg.Path, err)
	}
	cfg.Path = abs
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("exporter: file: %w", err)
	}
	filesMu.Lock()
	defer filesMu.Unlock()
	sf := files[abs]
	switch {
	case sf != nil && sf.refs > 0 && sf.cfg != cfg:
		return nil, fmt.Errorf("exporter: file %s is already open with another FileConfig", abs)
	case sf == nil || sf.cfg != cfg:
		sf = &sharedFile{cfg: cfg, lj: &lumberjack.Logger{
			Filename:   abs,
			MaxSize:    cfg.MaxSizeMB,
			MaxBackups: cfg.MaxBackups,
			MaxAge:     cfg.MaxAgeDays,
			Compress:   cfg.Compress,
			LocalTime:  cfg.LocalTime,
		}}
		files[abs] = sf
	}
	if sf.refs == 0 {
		sf.opened = time.Now()
	}
	sf.refs++
	return &fileExporter{lineExporter: newLineExporter(sf.lj, "file "+abs, &console{}), f: sf, path: abs}, nil
}

// Export rotates the file when it is older than RotateEvery, then writes
// the batch.
func (e *fileExporter) Export(ctx context.Context, records []sdklog.Record) error {
	if sf := e.f; sf.cfg.RotateEvery > 0 {
		sf.mu.Lock()
		if time.Since(sf.opened) >= sf.cfg.RotateEvery {
			if err := sf.lj.Rotate(); err != nil {
				sf.mu.Unlock()
				return fmt.Errorf("exporter: file %s rotate: %w", e.path, err)
			}
			sf.opened = time.Now()
		}
		sf.mu.Unlock()
	}
	return e.lineExporter.Export(ctx, records)
}

// Shutdown stops the exporter, and closes the file if it was the path's
// last exporter. Calling it again does nothing.
func (e *fileExporter) Shutdown(ctx context.Context) error {
	err := e.lineExporter.Shutdown(ctx)
	e.once.Do(func() {
		filesMu.Lock()
		defer filesMu.Unlock()
		e.f.refs--
		if e.f.refs > 0 {
			return
		}
		if cerr := e.f.lj.Close(); cerr != nil {
			err = errors.Join(err, fmt.Errorf("exporter: file %s close: %w", e.path, cerr))
		}
	})
	return err
}
