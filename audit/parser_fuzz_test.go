package audit

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// toAny converts a parsed node to what encoding/json decodes (UseNumber).
func toAny(n jnode) any {
	switch n.kind {
	case 'o':
		m := map[string]any{}
		for _, f := range n.obj {
			m[f.key] = toAny(f.val)
		}
		return m
	case 'a':
		xs := make([]any, 0, len(n.arr))
		for _, x := range n.arr {
			xs = append(xs, toAny(x))
		}
		return xs
	case 's':
		return n.str
	case 'n':
		return json.Number(n.str)
	case 'b':
		return n.b
	}
	return nil
}

// FuzzParseJSON checks the verifier's parser against encoding/json: what it
// accepts is valid UTF-8 JSON that encoding/json reads as the same value,
// with no two keys of an object equal under case folding (so every reader
// sees one member per key); and reading any input as log lines never
// panics.
func FuzzParseJSON(f *testing.F) {
	for _, s := range []string{
		`{"a":1}`, `{"a":1,"a":2}`, `{"a":1,"A":2}`, `{"body":"x"} x`, `{"a":"\ud800"}`, `{"a":"\ud83d\ude00"}`,
		`{"a":[1,{"b":null}],"c":true}`, `{"a":"\\ud800"}`, `{"k":1,"\u212a":2}`, `[1,2]`, `"s"`, `{"a":1}{"b":2}`,
		`{"timestamp":"2026-12-01T10:00:00Z","severity_number":22,"severity_text":"AUDIT","body":"m","attributes":{"audit.chain_id":"c","audit.seq":1,"audit.hash":"00"}}`,
		`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"x"},"attributes":[{"key":"a","value":{"intValue":"1"}}]}]}]}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := parseJSON(data)
		if err == nil {
			if !utf8.Valid(data) || !json.Valid(data) {
				t.Fatalf("accepted what encoding/json rejects: %q", data)
			}
			var want any
			d := json.NewDecoder(bytes.NewReader(data))
			d.UseNumber()
			if err := d.Decode(&want); err != nil {
				t.Fatal(err)
			}
			if got := toAny(n); !reflect.DeepEqual(got, want) {
				t.Fatalf("read %#v, encoding/json reads %#v", got, want)
			}
			checkNoFoldDup(t, n)
		}
		_, _ = ReadJSON(bytes.NewReader(data), "fuzz", FormatAuto, func(e *Entry) {
			NewVerifier(Options{}).Add(e)
		})
	})
}

func checkNoFoldDup(t *testing.T, n jnode) {
	for i, f := range n.obj {
		for _, g := range n.obj[:i] {
			if strings.EqualFold(f.key, g.key) {
				t.Fatalf("keys %q and %q both accepted", g.key, f.key)
			}
		}
		checkNoFoldDup(t, f.val)
	}
	for _, x := range n.arr {
		checkNoFoldDup(t, x)
	}
}
