package exporter

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// allVars is every variable FromEnv reads.
var allVars = func() []string {
	v := []string{envLogsExporter, envLogsEndpoint, envEndpoint}
	for _, l := range [][]string{envProtocol, envHeaders, envInsecure, envCompression, envTimeout,
		envCertificate, envClientCertificate, envClientKey} {
		v = append(v, l...)
	}
	return v
}()

// clearEnv unsets every variable for the test, then sets env.
func clearEnv(t *testing.T, env map[string]string) {
	t.Helper()
	for _, k := range allVars {
		t.Setenv(k, "")
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
}

func boolp(b bool) *bool { return &b }

func TestFromEnvResolves(t *testing.T) {
	defRetry := DefaultRetry
	tests := []struct {
		name string
		env  map[string]string
		cfg  Config
		want Config
	}{
		{
			name: "nothing set gives the console",
			want: Config{Kind: KindConsole},
		},
		{
			name: "console kind leaves OTLP fields alone even when invalid",
			env:  map[string]string{"OTEL_LOGS_EXPORTER": "console", "OTEL_EXPORTER_OTLP_TIMEOUT": "soon"},
			want: Config{Kind: KindConsole},
		},
		{
			name: "none kind, any case",
			env:  map[string]string{"OTEL_LOGS_EXPORTER": " NONE "},
			want: Config{Kind: KindNone},
		},
		{
			name: "otlp kind without endpoint uses the HTTP default",
			env:  map[string]string{"OTEL_LOGS_EXPORTER": "otlp"},
			want: Config{Kind: KindOTLP, Protocol: ProtocolHTTP, Endpoint: "http://localhost:4318/v1/logs",
				Insecure: boolp(true), Headers: map[string]string{}, Compression: "none", Timeout: 10 * time.Second, Retry: &defRetry},
		},
		{
			name: "otlp kind with grpc protocol uses the gRPC default",
			env:  map[string]string{"OTEL_LOGS_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"},
			want: Config{Kind: KindOTLP, Protocol: ProtocolGRPC, Endpoint: "http://localhost:4317",
				Insecure: boolp(true), Headers: map[string]string{}, Compression: "none", Timeout: 10 * time.Second, Retry: &defRetry},
		},
		{
			name: "generic endpoint alone selects otlp and appends the signal path",
			env:  map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "https://collector:4318/prefix"},
			want: Config{Kind: KindOTLP, Protocol: ProtocolHTTP, Endpoint: "https://collector:4318/prefix/v1/logs",
				Insecure: boolp(false), Headers: map[string]string{}, Compression: "none", Timeout: 10 * time.Second, Retry: &defRetry},
		},
		{
			name: "generic endpoint with trailing slash gets /v1/logs",
			env:  map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318/"},
			want: Config{Kind: KindOTLP, Protocol: ProtocolHTTP, Endpoint: "http://collector:4318/v1/logs",
				Insecure: boolp(true), Headers: map[string]string{}, Compression: "none", Timeout: 10 * time.Second, Retry: &defRetry},
		},
		{
			name: "logs endpoint is used as is and beats the generic one",
			env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://generic:4318",
				"OTEL_EXPORTER_OTLP_LOGS_ENDPOINT": "http://logs:9999/custom"},
			want: Config{Kind: KindOTLP, Protocol: ProtocolHTTP, Endpoint: "http://logs:9999/custom",
				Insecure: boolp(true), Headers: map[string]string{}, Compression: "none", Timeout: 10 * time.Second, Retry: &defRetry},
		},
		{
			name: "logs endpoint without path gets the root path",
			env:  map[string]string{"OTEL_EXPORTER_OTLP_LOGS_ENDPOINT": "http://logs:4318"},
			want: Config{Kind: KindOTLP, Protocol: ProtocolHTTP, Endpoint: "http://logs:4318/",
				Insecure: boolp(true), Headers: map[string]string{}, Compression: "none", Timeout: 10 * time.Second, Retry: &defRetry},
		},
		{
			name: "port 4317 defaults the protocol to grpc",
			env:  map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4317"},
			want: Config{Kind: KindOTLP, Protocol: ProtocolGRPC, Endpoint: "http://collector:4317",
				Insecure: boolp(true), Headers: map[string]string{}, Compression: "none", Timeout: 10 * time.Second, Retry: &defRetry},
		},
		{
			name: "explicit protocol beats the port rule",
			env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4317",
				"OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"},
			want: Config{Kind: KindOTLP, Protocol: ProtocolHTTP, Endpoint: "http://collector:4317/v1/logs",
				Insecure: boolp(true), Headers: map[string]string{}, Compression: "none", Timeout: 10 * time.Second, Retry: &defRetry},
		},
		{
			name: "logs protocol beats generic protocol",
			env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4318",
				"OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf", "OTEL_EXPORTER_OTLP_LOGS_PROTOCOL": "grpc"},
			want: Config{Kind: KindOTLP, Protocol: ProtocolGRPC, Endpoint: "collector:4318",
				Insecure: boolp(false), Headers: map[string]string{}, Compression: "none", Timeout: 10 * time.Second, Retry: &defRetry},
		},
		{
			name: "host:port uses the insecure variable, logs beats generic",
			env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4317",
				"OTEL_EXPORTER_OTLP_INSECURE": "false", "OTEL_EXPORTER_OTLP_LOGS_INSECURE": "TRUE"},
			want: Config{Kind: KindOTLP, Protocol: ProtocolGRPC, Endpoint: "collector:4317",
				Insecure: boolp(true), Headers: map[string]string{}, Compression: "none", Timeout: 10 * time.Second, Retry: &defRetry},
		},
		{
			name: "the scheme beats the insecure variable",
			env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "https://collector:4317",
				"OTEL_EXPORTER_OTLP_INSECURE": "true"},
			want: Config{Kind: KindOTLP, Protocol: ProtocolGRPC, Endpoint: "https://collector:4317",
				Insecure: boolp(false), Headers: map[string]string{}, Compression: "none", Timeout: 10 * time.Second, Retry: &defRetry},
		},
		{
			name: "headers, compression, timeout and certificates: logs beats generic",
			env: map[string]string{
				"OTEL_EXPORTER_OTLP_ENDPOINT":                "https://collector:4318",
				"OTEL_EXPORTER_OTLP_HEADERS":                 "generic=1",
				"OTEL_EXPORTER_OTLP_LOGS_HEADERS":            "Authorization=Bearer%20abc, x-tenant = t1 ,",
				"OTEL_EXPORTER_OTLP_COMPRESSION":             "none",
				"OTEL_EXPORTER_OTLP_LOGS_COMPRESSION":        "GZIP",
				"OTEL_EXPORTER_OTLP_TIMEOUT":                 "1",
				"OTEL_EXPORTER_OTLP_LOGS_TIMEOUT":            "2500",
				"OTEL_EXPORTER_OTLP_CERTIFICATE":             "/generic/ca.pem",
				"OTEL_EXPORTER_OTLP_LOGS_CERTIFICATE":        "/logs/ca.pem",
				"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE":      "/generic/cert.pem",
				"OTEL_EXPORTER_OTLP_LOGS_CLIENT_CERTIFICATE": "/logs/cert.pem",
				"OTEL_EXPORTER_OTLP_CLIENT_KEY":              "/generic/key.pem",
				"OTEL_EXPORTER_OTLP_LOGS_CLIENT_KEY":         "/logs/key.pem",
			},
			want: Config{Kind: KindOTLP, Protocol: ProtocolHTTP, Endpoint: "https://collector:4318/v1/logs",
				Insecure: boolp(false), Headers: map[string]string{"Authorization": "Bearer abc", "x-tenant": "t1"},
				Compression: "gzip", Timeout: 2500 * time.Millisecond,
				Certificate: "/logs/ca.pem", ClientCertificate: "/logs/cert.pem", ClientKey: "/logs/key.pem", Retry: &defRetry},
		},
		{
			name: "generic variables apply when no logs variable is set",
			env: map[string]string{
				"OTEL_LOGS_EXPORTER":                    "otlp",
				"OTEL_EXPORTER_OTLP_HEADERS":            "a=1",
				"OTEL_EXPORTER_OTLP_COMPRESSION":        "gzip",
				"OTEL_EXPORTER_OTLP_TIMEOUT":            "0",
				"OTEL_EXPORTER_OTLP_CERTIFICATE":        "/ca.pem",
				"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE": "/cert.pem",
				"OTEL_EXPORTER_OTLP_CLIENT_KEY":         "/key.pem",
			},
			want: Config{Kind: KindOTLP, Protocol: ProtocolHTTP, Endpoint: "http://localhost:4318/v1/logs",
				Insecure: boolp(true), Headers: map[string]string{"a": "1"}, Compression: "gzip", Timeout: -1,
				Certificate: "/ca.pem", ClientCertificate: "/cert.pem", ClientKey: "/key.pem", Retry: &defRetry},
		},
		{
			name: "options beat every variable",
			env: map[string]string{
				"OTEL_LOGS_EXPORTER":                  "console",
				"OTEL_EXPORTER_OTLP_LOGS_ENDPOINT":    "http://env:4318",
				"OTEL_EXPORTER_OTLP_LOGS_PROTOCOL":    "http/protobuf",
				"OTEL_EXPORTER_OTLP_LOGS_HEADERS":     "env=1",
				"OTEL_EXPORTER_OTLP_LOGS_INSECURE":    "false",
				"OTEL_EXPORTER_OTLP_LOGS_COMPRESSION": "gzip",
				"OTEL_EXPORTER_OTLP_LOGS_TIMEOUT":     "5",
				"OTEL_EXPORTER_OTLP_LOGS_CERTIFICATE": "/env/ca.pem",
			},
			cfg: Config{Kind: KindOTLP, Protocol: ProtocolGRPC, Endpoint: "opt:1234", Headers: map[string]string{},
				Insecure: boolp(true), Compression: "none", Timeout: time.Second, Certificate: "/opt/ca.pem",
				Retry: &RetryConfig{}},
			want: Config{Kind: KindOTLP, Protocol: ProtocolGRPC, Endpoint: "opt:1234", Headers: map[string]string{},
				Insecure: boolp(true), Compression: "none", Timeout: time.Second, Certificate: "/opt/ca.pem",
				Retry: &RetryConfig{}},
		},
		{
			name: "an endpoint option selects otlp and is used as is",
			cfg:  Config{Endpoint: "http://opt:4318/custom"},
			want: Config{Kind: KindOTLP, Protocol: ProtocolHTTP, Endpoint: "http://opt:4318/custom",
				Insecure: boolp(true), Headers: map[string]string{}, Compression: "none", Timeout: 10 * time.Second, Retry: &defRetry},
		},
		{
			name: "explicit insecure beats the scheme",
			cfg:  Config{Endpoint: "https://opt:4317", Insecure: boolp(true)},
			want: Config{Kind: KindOTLP, Protocol: ProtocolGRPC, Endpoint: "https://opt:4317",
				Insecure: boolp(true), Headers: map[string]string{}, Compression: "none", Timeout: 10 * time.Second, Retry: &defRetry},
		},
		{
			name: "unix socket endpoint for grpc",
			cfg:  Config{Endpoint: "unix:///tmp/otlp.sock", Protocol: ProtocolGRPC},
			want: Config{Kind: KindOTLP, Protocol: ProtocolGRPC, Endpoint: "unix:///tmp/otlp.sock",
				Insecure: boolp(true), Headers: map[string]string{}, Compression: "none", Timeout: 10 * time.Second, Retry: &defRetry},
		},
		{
			name: "OTEL_LOGS_EXPORTER beats the endpoint rule",
			env:  map[string]string{"OTEL_LOGS_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"},
			want: Config{Kind: KindNone},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t, tt.env)
			got, err := FromEnv(tt.cfg)
			if err != nil {
				t.Fatalf("FromEnv: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("FromEnv:\n got  %s\n want %s", dump(got), dump(tt.want))
			}
			again, err := FromEnv(got)
			if err != nil || !reflect.DeepEqual(again, got) {
				t.Fatalf("FromEnv is not idempotent: %s, %v", dump(again), err)
			}
		})
	}
}

func dump(c Config) string {
	ins := "nil"
	if c.Insecure != nil {
		ins = map[bool]string{true: "true", false: "false"}[*c.Insecure]
	}
	ret := "nil"
	if c.Retry != nil {
		ret = fmt.Sprintf("%+v", *c.Retry)
	}
	return "kind=" + string(c.Kind) + " proto=" + string(c.Protocol) + " ep=" + c.Endpoint +
		" insecure=" + ins + " comp=" + c.Compression + " timeout=" + c.Timeout.String() +
		" ca=" + c.Certificate + " cert=" + c.ClientCertificate + " key=" + c.ClientKey +
		" retry=" + ret + " headers(keys)=" + strings.Join(keys(c.Headers), ",")
}

func keys(m map[string]string) []string {
	var k []string
	for key := range m {
		k = append(k, key)
	}
	return k
}

func TestFromEnvRejects(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		cfg     Config
		wantErr []string // substrings of the error
		secret  string   // must not appear in the error
	}{
		{
			name:    "unknown OTEL_LOGS_EXPORTER",
			env:     map[string]string{"OTEL_LOGS_EXPORTER": "otlpx"},
			wantErr: []string{`exporter: OTEL_LOGS_EXPORTER="otlpx": want otlp, console or none`},
		},
		{
			name:    "a list in OTEL_LOGS_EXPORTER",
			env:     map[string]string{"OTEL_LOGS_EXPORTER": "otlp,console"},
			wantErr: []string{`OTEL_LOGS_EXPORTER="otlp,console"`},
		},
		{
			name:    "unknown Config.Kind",
			cfg:     Config{Kind: "stdout"},
			wantErr: []string{`Config.Kind="stdout"`},
		},
		{
			name:    "memory kind is not built from config",
			cfg:     Config{Kind: KindMemory},
			wantErr: []string{"NewMemory"},
		},
		{
			name:    "unknown protocol names the logs variable",
			env:     map[string]string{"OTEL_LOGS_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_LOGS_PROTOCOL": "udp"},
			wantErr: []string{`OTEL_EXPORTER_OTLP_LOGS_PROTOCOL="udp": want grpc or http/protobuf`},
		},
		{
			name:    "http/json is not supported",
			env:     map[string]string{"OTEL_LOGS_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"},
			wantErr: []string{`OTEL_EXPORTER_OTLP_PROTOCOL="http/json": http/json is not supported`},
		},
		{
			name:    "bad Config.Protocol",
			cfg:     Config{Kind: KindOTLP, Protocol: "quic"},
			wantErr: []string{`Config.Protocol="quic"`},
		},
		{
			name:    "bad endpoint scheme",
			env:     map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "ftp://c:21"},
			wantErr: []string{`OTEL_EXPORTER_OTLP_ENDPOINT="ftp://c:21": scheme "ftp"`},
		},
		{
			name:    "endpoint without host",
			env:     map[string]string{"OTEL_EXPORTER_OTLP_LOGS_ENDPOINT": "http:///v1/logs"},
			wantErr: []string{`OTEL_EXPORTER_OTLP_LOGS_ENDPOINT="http:///v1/logs": no host`},
		},
		{
			name:    "unix socket over http",
			cfg:     Config{Endpoint: "unix:///tmp/s", Protocol: ProtocolHTTP},
			wantErr: []string{"unix sockets need protocol grpc"},
		},
		{
			name:    "bad insecure",
			env:     map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "c:4318", "OTEL_EXPORTER_OTLP_INSECURE": "yes"},
			wantErr: []string{`OTEL_EXPORTER_OTLP_INSECURE="yes": want true or false`},
		},
		{
			name:    "header without = does not print the entry",
			env:     map[string]string{"OTEL_LOGS_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_HEADERS": "a=1,Bearer s3cr3t"},
			wantErr: []string{"OTEL_EXPORTER_OTLP_HEADERS: entry 2 has no '='"},
			secret:  "s3cr3t",
		},
		{
			name:    "bad header name does not print the entry",
			env:     map[string]string{"OTEL_LOGS_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_LOGS_HEADERS": "Authorization: Bearer s3cr3t=x"},
			wantErr: []string{"OTEL_EXPORTER_OTLP_LOGS_HEADERS: entry 1 has an invalid header name"},
			secret:  "s3cr3t",
		},
		{
			name:    "bad percent-encoding does not print the value",
			env:     map[string]string{"OTEL_LOGS_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_HEADERS": "token=s3cr3t%zz"},
			wantErr: []string{"OTEL_EXPORTER_OTLP_HEADERS: entry 1 (token) has a badly percent-encoded value"},
			secret:  "s3cr3t",
		},
		{
			name:    "bad Config.Headers name",
			cfg:     Config{Kind: KindOTLP, Headers: map[string]string{"bad name": "s3cr3t"}},
			wantErr: []string{`Config.Headers: invalid header name "bad name"`},
			secret:  "s3cr3t",
		},
		{
			name:    "bad compression",
			env:     map[string]string{"OTEL_LOGS_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_LOGS_COMPRESSION": "zstd"},
			wantErr: []string{`OTEL_EXPORTER_OTLP_LOGS_COMPRESSION="zstd": want gzip or none`},
		},
		{
			name:    "bad Config.Compression",
			cfg:     Config{Kind: KindOTLP, Compression: "br"},
			wantErr: []string{`Config.Compression="br"`},
		},
		{
			name:    "timeout not a number",
			env:     map[string]string{"OTEL_LOGS_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_TIMEOUT": "10s"},
			wantErr: []string{`OTEL_EXPORTER_OTLP_TIMEOUT="10s": want a non-negative whole number of milliseconds`},
		},
		{
			name:    "negative timeout",
			env:     map[string]string{"OTEL_LOGS_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_LOGS_TIMEOUT": "-5"},
			wantErr: []string{`OTEL_EXPORTER_OTLP_LOGS_TIMEOUT="-5"`},
		},
		{
			name:    "client certificate without key",
			env:     map[string]string{"OTEL_LOGS_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE": "/c.pem"},
			wantErr: []string{"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE is set but no client key is"},
		},
		{
			name:    "client key without certificate",
			cfg:     Config{Kind: KindOTLP, ClientKey: "/k.pem"},
			wantErr: []string{"Config.ClientKey is set but no client certificate is"},
		},
		{
			name:    "negative retry interval",
			cfg:     Config{Kind: KindOTLP, Retry: &RetryConfig{Enabled: true, InitialInterval: -1}},
			wantErr: []string{"Config.Retry"},
		},
		{
			name: "every bad value is reported at once",
			env: map[string]string{"OTEL_LOGS_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_COMPRESSION": "zip",
				"OTEL_EXPORTER_OTLP_TIMEOUT": "x"},
			wantErr: []string{"OTEL_EXPORTER_OTLP_COMPRESSION", "OTEL_EXPORTER_OTLP_TIMEOUT"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t, tt.env)
			_, err := FromEnv(tt.cfg)
			if err == nil {
				t.Fatal("FromEnv: want an error")
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if !strings.HasPrefix(err.Error(), "exporter: ") {
				t.Errorf("error %q does not start with the package name", err)
			}
			if tt.secret != "" && strings.Contains(err.Error(), tt.secret) {
				t.Errorf("error %q leaks a header value", err)
			}
			// Build reports the same error.
			if _, berr := Build(t.Context(), tt.cfg); berr == nil || berr.Error() != err.Error() {
				t.Errorf("Build error %v, want %v", berr, err)
			}
		})
	}
}

func TestFromEnvDoesNotAliasTheCallersMaps(t *testing.T) {
	clearEnv(t, nil)
	h := map[string]string{"a": "1"}
	ins := true
	got, err := FromEnv(Config{Kind: KindOTLP, Headers: h, Insecure: &ins})
	if err != nil {
		t.Fatal(err)
	}
	got.Headers["a"] = "2"
	*got.Insecure = false
	if h["a"] != "1" || !ins {
		t.Fatal("FromEnv returned the caller's map or pointer")
	}
}

func TestFromEnvReturnsTheInputOnError(t *testing.T) {
	clearEnv(t, map[string]string{"OTEL_LOGS_EXPORTER": "bogus"})
	cfg := Config{Compression: "gzip"}
	got, err := FromEnv(cfg)
	if err == nil || !reflect.DeepEqual(got, cfg) {
		t.Fatalf("got %v, %v", dump(got), err)
	}
}
