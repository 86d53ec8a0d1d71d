package redact

import (
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
)

func TestCompliancePresets(t *testing.T) {
	tests := []struct {
		preset Preset
		masked []attribute.KeyValue // every value here is masked
		kept   []attribute.KeyValue // and these are left alone
		text   map[string]string    // message in → out
	}{
		{PresetCredentials,
			[]attribute.KeyValue{attribute.String("mfa_code", "123456"), attribute.String("recovery_code", "x"), attribute.String("webhookSecret", "x")},
			[]attribute.KeyValue{attribute.String("user", "bob")},
			map[string]string{
				"Authorization: Bearer abc.def": "Authorization: Bearer ***",
				"custom://u:p@h":                "custom://u:***@h",
				"GET /cb?access_token=abc&x=1":  "GET /cb?access_token=***&x=1",
			}},
		{PresetPCIDSS,
			[]attribute.KeyValue{attribute.String("card_number", "4111111111111111"), attribute.String("cvv2", "123"), attribute.String("pan", "x"), attribute.String("track2", "x"), attribute.String("cardholder_name", "Bob")},
			[]attribute.KeyValue{attribute.String("order_id", "1234567890123456"), attribute.String("span", "x")},
			map[string]string{
				"paid with 4111 1111 1111 1111 today": "paid with *** today",
				"card 5500-0000-0000-0004":            "card ***",
				"pan=378282246310005":                 "pan=***",
				"order 1234567890123456 shipped":      "order 1234567890123456 shipped", // fails Luhn
				"id a4111111111111111":                "id a4111111111111111",           // inside a word
			}},
		{PresetHIPAAPHI,
			[]attribute.KeyValue{attribute.String("mrn", "x"), attribute.String("patient_name", "Bob"), attribute.String("dateOfBirth", "1970-01-01"), attribute.String("diagnosis_code", "E11.9")},
			[]attribute.KeyValue{attribute.String("ward", "3B")},
			nil},
		{PresetGDPRPII,
			[]attribute.KeyValue{attribute.String("email", "bob@example.com"), attribute.String("first_name", "Bob"), attribute.String("client_ip", "10.0.0.1"), attribute.String("iban", "DE89")},
			[]attribute.KeyValue{attribute.String("zip", "x"), attribute.String("tenant", "acme")},
			map[string]string{
				"welcome bob.smith+x@mail.example.co.uk!": "welcome ***!",
				"user@localhost":             "user@localhost",
				"https://bob@github.com/o/r": "https://***@github.com/o/r",
			}},
	}
	for _, tt := range tests {
		t.Run(string(tt.preset), func(t *testing.T) {
			r := mustNew(t, Config{Presets: []Preset{tt.preset}})
			all := append(append([]attribute.KeyValue{attribute.String("password", "p")}, tt.masked...), tt.kept...)
			_, out := r.Redact("", append([]attribute.KeyValue(nil), all...))
			for i, kv := range out {
				wantMasked := i <= len(tt.masked)
				if got := kv.Value.AsString() == DefaultMask; got != wantMasked {
					t.Errorf("%s = %q (masked %v, want %v)", kv.Key, kv.Value.AsString(), got, wantMasked)
				}
			}
			for in, want := range tt.text {
				if got, _ := r.String(in); got != want {
					t.Errorf("String(%q) = %q, want %q", in, got, want)
				}
			}
			if Default().Sensitive(string(tt.masked[0].Key)) {
				t.Errorf("%s: the default already masks %s: the case tests nothing", tt.preset, tt.masked[0].Key)
			}
		})
	}
}

func TestPresetNames(t *testing.T) {
	if _, err := New(Config{Presets: []Preset{"sox"}}); err == nil || !strings.Contains(err.Error(), "sox") {
		t.Fatalf("unknown preset: %v", err)
	}
	ps, err := ParsePresets(" PCI-DSS, gdpr-pii ,")
	if err != nil || len(ps) != 2 || ps[0] != PresetPCIDSS || ps[1] != PresetGDPRPII {
		t.Fatalf("%v %v", ps, err)
	}
	if _, err := ParsePresets("pci"); err == nil {
		t.Fatal("accepted pci")
	}
}
