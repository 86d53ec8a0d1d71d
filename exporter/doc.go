// Package exporter chooses and builds the sdklog.Exporter a fapilog
// logger's pipeline exports through: OTLP over gRPC or HTTP/protobuf, the
// console (JSON lines), none (discard), and an in-memory exporter for
// tests.
//
// [Build] takes a [Config]; every zero field is resolved by [FromEnv] from
// the standard OpenTelemetry variables, then from the defaults. A field set
// in the Config beats the environment; an OTEL_EXPORTER_OTLP_LOGS_*
// variable beats its generic OTEL_EXPORTER_OTLP_* twin; an empty variable
// counts as unset. An invalid value is an error that names the variable
// (header values are never printed: they hold tokens).
//
// # Variables
//
// Each OTEL_EXPORTER_OTLP_X below also exists as OTEL_EXPORTER_OTLP_LOGS_X,
// which wins when both are set.
//
//	Variable                                Config field       Values; default
//	--------------------------------------  -----------------  ------------------------------------------
//	OTEL_LOGS_EXPORTER                      Kind               otlp | console | none (one value). Unset:
//	                                                           otlp when an endpoint is set (Config.Endpoint
//	                                                           or either endpoint variable), else console.
//	OTEL_EXPORTER_OTLP_PROTOCOL             Protocol           grpc | http/protobuf. Unset: http/protobuf
//	                                                           (the spec's default), except grpc when the
//	                                                           endpoint's port is 4317.
//	OTEL_EXPORTER_OTLP_ENDPOINT             Endpoint           URL or host:port. HTTP: /v1/logs is appended
//	                                                           to the URL's path. gRPC: host:port is used.
//	OTEL_EXPORTER_OTLP_LOGS_ENDPOINT        Endpoint           URL, used as is for HTTP (path / when it has
//	                                                           none); gRPC: host:port, or unix:///path.
//	                                                           Default: http://localhost:4317 (grpc),
//	                                                           http://localhost:4318/v1/logs (HTTP).
//	OTEL_EXPORTER_OTLP_HEADERS              Headers            k1=v1,k2=v2 (W3C baggage form, values
//	                                                           percent-decoded); default none.
//	OTEL_EXPORTER_OTLP_INSECURE             Insecure           true | false, read only for a host:port
//	                                                           endpoint: a scheme decides (http: plaintext,
//	                                                           https: TLS); default false.
//	OTEL_EXPORTER_OTLP_COMPRESSION          Compression        gzip | none; default none.
//	OTEL_EXPORTER_OTLP_TIMEOUT              Timeout            milliseconds per export, retries included;
//	                                                           0 = no limit; default 10000.
//	OTEL_EXPORTER_OTLP_CERTIFICATE          Certificate        PEM file of the root CAs that verify the
//	                                                           server; default the system roots.
//	OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE   ClientCertificate  PEM file of the client certificate (mTLS).
//	OTEL_EXPORTER_OTLP_CLIENT_KEY           ClientKey          PEM file of its private key; both or neither.
//
// An explicit Config.Insecure beats the endpoint's scheme. Certificate
// files are read by Build, only when TLS is used; a file that cannot be
// read or parsed fails Build with its path in the error. The OTLP fields
// are resolved only when the kind is otlp, so a bad OTLP variable does not
// break the console exporter. http/json is not supported.
//
// # OTLP exporters and shared connections
//
// The OTLP exporters are the official otlploggrpc and otlploghttp
// exporters. Building thousands of them does not open thousands of
// connections: exporters with the same protocol, endpoint (host:port),
// transport security and certificate files share one gRPC ClientConn, or
// one HTTP client whose keep-alive connections are pooled. The shared
// connection is reference counted, opened lazily (Build succeeds when
// nothing listens yet) and closed when the last exporter using it is shut
// down. Headers, compression, timeout and retry policy stay per exporter.
// [OpenConnections] reports how many shared connections are open.
//
// Failed exports are retried by the OTLP exporters' own policy,
// [DefaultRetry] unless Config.Retry says otherwise: 5 s after the first
// retryable failure, growing exponentially to at most 30 s between
// attempts, for at most 1 min, always within the export timeout. Retryable
// failures are gRPC codes Canceled, DeadlineExceeded, Aborted, OutOfRange,
// Unavailable, DataLoss (and ResourceExhausted with retry info), and HTTP
// 429, 502, 503 and 504. [Built.Retries] counts every attempt beyond the
// first, exactly: the transport (a gRPC interceptor, an HTTP
// RoundTripper) counts each request the exporter sends for an Export call.
// gRPC's transparent retry of a request that never left the client belongs
// to one attempt, and following an HTTP redirect is not a new attempt.
//
// # Other exporters
//
// [NewConsole] writes JSON lines (the default exporter, on stdout),
// [NewPretty] one readable, coloured line per record for people, [NewNone]
// discards, and [NewMemory] keeps records for tests. The console kind
// writes pretty lines when its writer is a terminal and JSON otherwise;
// Config.ConsoleFormat or FAPILOG_CONSOLE_FORMAT (auto, json, pretty)
// decides otherwise, and NO_COLOR (any non-empty value) turns colour off.
package exporter
