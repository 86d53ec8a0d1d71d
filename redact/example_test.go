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
		fmt.Println(kv.Key, kv.Value.String())
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

// Compliance presets add key sets and value detectors on top of the mode.
func ExampleConfig_presets() {
	r, err := redact.New(redact.Config{Presets: []redact.Preset{redact.PresetPCIDSS, redact.PresetGDPRPII}})
	if err != nil {
		panic(err)
	}
	s, _ := r.String("card 4111 1111 1111 1111 of bob@example.com")
	fmt.Println(s)
	fmt.Println(r.Sensitive("cvv2"), r.Sensitive("first_name"), r.Sensitive("order_id"))
	// Output:
	// card *** of ***
	// true true false
}
