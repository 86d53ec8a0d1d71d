package redact_test

import (
	"fmt"

	"go.opentelemetry.io/otel/attribute"

	"github.com/fapilog/fapilog-go/redact"
)

func Example() {
	r := redact.Default()
	msg, attrs := r.Redact("dial postgres://app:s3cret@db:5432/app", []attribute.KeyValue{
		attribute.String("api_key", "k-123"),
		attribute.Map("user", attribute.String("name", "bob"), attribute.String("password", "hunter2")),
		attribute.String("status", "ok"),
	})
	fmt.Println(msg)
	for _, kv := range attrs {
		fmt.Println(kv.Key, kv.Value.Emit())
	}
	// Output:
	// dial postgres://app:***@db:5432/app
	// api_key ***
	// user {"name":"bob","password":"***"}
	// status ok
}

func ExampleNew() {
	r, err := redact.New(redact.Config{
		Mode:  redact.ModeStrict,
		Keys:  []string{"card_token"},
		Paths: []string{"order.customer.email"},
	})
	if err != nil {
		panic(err)
	}
	s, _ := r.String("GET /cb?code=7&access_token=abc&state=x")
	fmt.Println(s)
	fmt.Println(r.Sensitive("myCardToken"), r.Sensitive("status"))
	// Output:
	// GET /cb?code=7&access_token=***&state=x
	// true false
}
