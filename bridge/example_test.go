package bridge_test

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"

	"github.com/fapilog/fapilog-go/bridge"
)

func ExampleValue() {
	type user struct {
		Name  string `json:"name"`
		Roles []string
		token string // unexported: not logged
	}
	for _, v := range []any{
		"hello",
		42,
		uint64(math.MaxUint64),
		1500 * time.Millisecond,
		time.Date(2024, 5, 6, 7, 8, 9, 500, time.UTC),
		errors.New("boom"),
		[]int{1, 2},
		map[int]string{2: "b", 1: "a"},
		user{Name: "ann", Roles: []string{"admin"}, token: "secret"},
		nil,
		make(chan int),
		"bad \xff utf-8",
	} {
		av := bridge.Value(v)
		fmt.Println(strings.TrimSpace(fmt.Sprintf("%-9s %s", av.Type(), av.String())))
	}
	// Output:
	// STRING    hello
	// INT64     42
	// STRING    18446744073709551615
	// INT64     1500000000
	// STRING    2024-05-06T07:08:09.0000005Z
	// STRING    boom
	// SLICE     [1,2]
	// MAP       {"1":"a","2":"b"}
	// MAP       {"Roles":["admin"],"name":"ann"}
	// EMPTY
	// STRING    chan int
	// STRING    bad � utf-8
}

func ExampleValue_protection() {
	m := map[string]any{"n": 1}
	m["self"] = m
	fmt.Println(bridge.Value(m).String())
	fmt.Println(bridge.Value(make([]int, 1002)).AsSlice()[1000].AsString())
	// Output:
	// {"n":1,"self":"!CYCLE"}
	// !TRUNCATED 2
}

func ExampleAppendKV() {
	attrs := bridge.AppendKV(nil, []any{
		"status", 200,
		attribute.String("method", "GET"),
		slog.Group("req", "path", "/x", "bytes", 512),
		slog.Group("", "inlined", true),
		"dangling",
	})
	for _, a := range attrs {
		fmt.Printf("%s=%s\n", a.Key, a.Value.String())
	}
	// Output:
	// status=200
	// method=GET
	// req={"bytes":512,"path":"/x"}
	// inlined=true
	// !BADKEY=dangling
}

func ExampleDedup() {
	attrs := []attribute.KeyValue{
		attribute.String("user", "ann"),
		attribute.Int("code", 1),
		attribute.String("user", "bob"),
	}
	for _, a := range bridge.Dedup(attrs) {
		fmt.Printf("%s=%s\n", a.Key, a.Value.String())
	}
	// Output:
	// user=bob
	// code=1
}

func ExampleExceptionAttrs() {
	err := fmt.Errorf("loading config: %w", errors.New("file not found"))
	ex := bridge.ExceptionAttrs(err, 0)
	fmt.Println(ex[0].Key, "=", ex[0].Value.AsString())
	fmt.Println(ex[1].Key, "=", ex[1].Value.AsString())
	top, _, _ := strings.Cut(ex[2].Value.AsString(), "\n")
	fmt.Println(ex[2].Key, "starts with", top)
	// Output:
	// exception.type = *errors.errorString
	// exception.message = loading config: file not found
	// exception.stacktrace starts with github.com/fapilog/fapilog-go/bridge_test.ExampleExceptionAttrs(...)
}

func ExampleSourceAttrs() {
	src := bridge.SourceAttrs(bridge.CallerPC(0))
	fmt.Println(src[0].Key, "=", src[0].Value.AsString())
	// Output:
	// code.function.name = github.com/fapilog/fapilog-go/bridge_test.ExampleSourceAttrs
}
