package fapilog

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/fapilog/fapilog-go/internal/settings"
	"github.com/fapilog/fapilog-go/levels"
)

// EnvLevels sets levels per logger name: "db=DEBUG,http=WARNING". A name
// listed there gets its level (unless WithLevel is given); the others get
// FAPILOG_LEVEL. An entry that cannot be read is reported on stderr and
// left out.
const EnvLevels = settings.EnvLevels

// forLogger returns opts followed by the option that names the logger
// being built (for FAPILOG_LEVELS), without changing the caller's slice.
func forLogger(opts []Option, name string) []Option {
	return append(opts[:len(opts):len(opts)], optionFunc(func(o *settings.Options) { o.Logger = settings.Of(name) }))
}

// warn reports c's warnings once each, for both kinds of logger.
func warn(c settings.Config) {
	for _, w := range c.Warnings {
		reportOnce(c.Warn, "fapilog: "+w)
	}
}

// LevelEntry is one cached logger in LevelHandler's answers.
type LevelEntry struct {
	Name  string `json:"name"`
	Kind  string `json:"kind"` // "sync" or "async"
	Level string `json:"level"`
}

// levelRequest is the body of a PUT or POST. Name is a pointer so that the
// default logger's name, "", can be asked for.
type levelRequest struct {
	Name  *string `json:"name"`
	Level string  `json:"level"`
}

// maxLevelBody bounds a request body.
const maxLevelBody = 64 << 10

// LevelHandler returns an http.Handler that reads and changes the levels of
// the cached loggers by name, like zap's AtomicLevel handler:
//
//	GET                 → {"loggers":[{"name":"db","kind":"sync","level":"INFO"},…]}
//	GET ?name=db        → the loggers named db (sync and async), 404 if none
//	PUT or POST {"name":"db","level":"DEBUG"}  (or ?name=db&level=DEBUG, or a form)
//	                    → sets the level of every cached logger named db and
//	                      answers with them; "*" names every cached logger
//
// Answers are JSON; errors are {"error":"…"} with 400 (bad request or
// level), 404 (no such logger) or 405. The change applies to the logger and
// all its With children at once (SetLevel); AUDIT and SECURITY always pass.
// Loggers made with Reuse(false) are not cached, so it cannot reach them.
// Changing levels is an administrative act: serve the handler on an
// internal port or behind authentication. It is safe for concurrent use.
func LevelHandler() http.Handler { return http.HandlerFunc(serveLevels) }

func serveLevels(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		q := r.URL.Query()
		if !q.Has("name") {
			writeLevels(w, http.StatusOK, cachedLevels(nil))
			return
		}
		name := q.Get("name")
		got := cachedLevels(&name)
		if len(got) == 0 {
			writeLevelError(w, http.StatusNotFound, fmt.Sprintf("no cached logger named %q", name))
			return
		}
		writeLevels(w, http.StatusOK, got)
	case http.MethodPut, http.MethodPost:
		req, err := readLevelRequest(r)
		if err != nil {
			writeLevelError(w, http.StatusBadRequest, err.Error())
			return
		}
		l, err := levels.Parse(req.Level)
		if err != nil {
			writeLevelError(w, http.StatusBadRequest, err.Error())
			return
		}
		changed := setCachedLevel(*req.Name, l)
		if len(changed) == 0 {
			writeLevelError(w, http.StatusNotFound, fmt.Sprintf("no cached logger named %q", *req.Name))
			return
		}
		writeLevels(w, http.StatusOK, changed)
	default:
		w.Header().Set("Allow", "GET, HEAD, PUT, POST")
		writeLevelError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed")
	}
}

// readLevelRequest reads name and level from a JSON body, else from the
// query or a form.
func readLevelRequest(r *http.Request) (levelRequest, error) {
	var req levelRequest
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, maxLevelBody))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			return req, fmt.Errorf("body: %w", err)
		}
	} else {
		r.Body = http.MaxBytesReader(nil, r.Body, maxLevelBody)
		if err := r.ParseForm(); err != nil {
			return req, fmt.Errorf("form: %w", err)
		}
		if r.Form.Has("name") {
			n := r.Form.Get("name")
			req.Name = &n
		}
		req.Level = r.Form.Get("level")
	}
	if req.Name == nil {
		return req, errors.New(`"name" is required ("*" for every cached logger, "" for the default one)`)
	}
	if req.Level == "" {
		return req, errors.New(`"level" is required`)
	}
	return req, nil
}

// cachedLevels lists the cached loggers (only those named *name when name
// is not nil), sorted by name then kind.
func cachedLevels(name *string) []LevelEntry {
	var out []LevelEntry
	for n, l := range syncLoggers.Snapshot() {
		if name == nil || *name == n {
			out = append(out, LevelEntry{Name: n, Kind: "sync", Level: l.Level().String()})
		}
	}
	for n, l := range asyncLoggers.Snapshot() {
		if name == nil || *name == n {
			out = append(out, LevelEntry{Name: n, Kind: "async", Level: l.Level().String()})
		}
	}
	sortEntries(out)
	return out
}

// setCachedLevel sets l on the cached loggers named name ("*": all) and
// returns them.
func setCachedLevel(name string, l levels.Level) []LevelEntry {
	var out []LevelEntry
	for n, lg := range syncLoggers.Snapshot() {
		if name == "*" || name == n {
			lg.SetLevel(l)
			out = append(out, LevelEntry{Name: n, Kind: "sync", Level: lg.Level().String()})
		}
	}
	for n, lg := range asyncLoggers.Snapshot() {
		if name == "*" || name == n {
			lg.SetLevel(l)
			out = append(out, LevelEntry{Name: n, Kind: "async", Level: lg.Level().String()})
		}
	}
	sortEntries(out)
	return out
}

func sortEntries(es []LevelEntry) {
	slices.SortFunc(es, func(a, b LevelEntry) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.Kind, b.Kind)
	})
}

func writeLevels(w http.ResponseWriter, code int, es []LevelEntry) {
	if es == nil {
		es = []LevelEntry{}
	}
	writeJSON(w, code, struct {
		Loggers []LevelEntry `json:"loggers"`
	}{es})
}

func writeLevelError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, struct {
		Error string `json:"error"`
	}{msg})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v) // the client went away: nothing to do
}
