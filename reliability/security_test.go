//go:build linux

package reliability

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	fapilog "github.com/fapilog/fapilog-go"
	"github.com/fapilog/fapilog-go/exporter"
	"github.com/fapilog/fapilog-go/internal/collectortest"
)

// pki is a CA and the files of certificates it signed, in a temp dir.
type pki struct {
	dir              string
	caCert           *x509.Certificate
	caKey            *ecdsa.PrivateKey
	CA               string // PEM files
	ServerCert, Key  string
	ClientCert, CKey string
}

func newPKI(t *testing.T, name string) *pki {
	t.Helper()
	p := &pki{dir: t.TempDir()}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: name + " test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	p.caCert, _ = x509.ParseCertificate(der)
	p.caKey = key
	p.CA = p.write(t, "ca.pem", "CERTIFICATE", der)
	p.ServerCert, p.Key = p.issue(t, "server", 2, x509.ExtKeyUsageServerAuth)
	p.ClientCert, p.CKey = p.issue(t, "client", 3, x509.ExtKeyUsageClientAuth)
	return p
}

func (p *pki) write(t *testing.T, name, typ string, der []byte) string {
	t.Helper()
	path := filepath.Join(p.dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func (p *pki) issue(t *testing.T, name string, serial int64, usage x509.ExtKeyUsage) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.caCert, &key.PublicKey, p.caKey)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return p.write(t, name+".pem", "CERTIFICATE", der), p.write(t, name+"-key.pem", "PRIVATE KEY", kder)
}

// otlpEnv sets the OTLP variables of one test, clearing the LOGS_ ones
// (which would win) and anything left from the environment.
func otlpEnv(t *testing.T, vars map[string]string) {
	t.Helper()
	for _, k := range []string{"ENDPOINT", "PROTOCOL", "HEADERS", "INSECURE", "CERTIFICATE", "CLIENT_CERTIFICATE", "CLIENT_KEY", "TIMEOUT", "COMPRESSION"} {
		t.Setenv("OTEL_EXPORTER_OTLP_LOGS_"+k, "")
		t.Setenv("OTEL_EXPORTER_OTLP_"+k, "")
	}
	t.Setenv("OTEL_LOGS_EXPORTER", "")
	for k, v := range vars {
		t.Setenv(k, v)
	}
}

// endpointFor returns the https URL of the collector for protocol.
func endpointFor(c *collectortest.Collector, protocol string) string {
	return "https://" + otlpAddr(protocol, c)
}

// logAndDrain logs n records from an uncached logger configured by the
// environment (with short retries) and drains it.
func logAndDrain(t *testing.T, name string, n int) (fapilog.DrainResult, error) {
	t.Helper()
	l := fapilog.GetLogger(name, fapilog.Reuse(false),
		fapilog.WithExporterConfig(exporter.Config{Retry: shortRetry(time.Second)}))
	for i := range n {
		l.Audit("security record", "id", i)
	}
	return drain(t, l, 30*time.Second)
}

// TestTLSFromEnvironment exports over TLS and mutual TLS to the real
// collector, configured only by the standard variables
// (OTEL_EXPORTER_OTLP_CERTIFICATE, …_CLIENT_CERTIFICATE, …_CLIENT_KEY), over
// gRPC and HTTP: the records arrive. A wrong CA, or a missing client
// certificate where the collector requires one, fails loudly: a warning on
// stderr from the library and every record counted as Failed, none silently
// dropped.
func TestTLSFromEnvironment(t *testing.T) {
	good := newPKI(t, "good")
	wrong := newPKI(t, "wrong")
	tlsOnly := startCollector(t, collectortest.WithTLS(good.ServerCert, good.Key, ""))
	mutual := startCollector(t, collectortest.WithTLS(good.ServerCert, good.Key, good.CA))
	const n = 20

	for _, protocol := range []string{"grpc", "http/protobuf"} {
		t.Run(strings.ReplaceAll(protocol, "/", "-"), func(t *testing.T) {
			for _, tc := range []struct {
				name      string
				collector *collectortest.Collector
				env       map[string]string
				deliver   bool
				stderr    []string // what the warning must mention
			}{
				{"tls", tlsOnly, map[string]string{"OTEL_EXPORTER_OTLP_CERTIFICATE": good.CA}, true, nil},
				{"mtls", mutual, map[string]string{"OTEL_EXPORTER_OTLP_CERTIFICATE": good.CA,
					"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE": good.ClientCert, "OTEL_EXPORTER_OTLP_CLIENT_KEY": good.CKey}, true, nil},
				{"wrong CA", tlsOnly, map[string]string{"OTEL_EXPORTER_OTLP_CERTIFICATE": wrong.CA}, false,
					[]string{"records failed to export", "certificate"}},
				{"mtls without client certificate", mutual, map[string]string{"OTEL_EXPORTER_OTLP_CERTIFICATE": good.CA}, false,
					[]string{"records failed to export"}},
			} {
				t.Run(strings.ReplaceAll(tc.name, " ", "-"), func(t *testing.T) {
					env := map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": endpointFor(tc.collector, protocol), "OTEL_EXPORTER_OTLP_PROTOCOL": protocol}
					for k, v := range tc.env {
						env[k] = v
					}
					otlpEnv(t, env)
					scope := "tls-" + strings.ReplaceAll(protocol+"-"+tc.name, " ", "-")
					stop := captureStderr(t)
					res, err := logAndDrain(t, scope, n)
					stderr := stop()
					checkBalance(t, res)
					d := delivered(t, tc.collector, scope, 0, 0)
					if tc.deliver {
						d = delivered(t, tc.collector, scope, n, 10*time.Second)
					}
					t.Logf("%s; collector %d records; drain error: %v", summary(res), d.unique(), err)
					t.Logf("REPORT | %s %s | sent %d | exported %d | dropped %d | failed %d | missing %d | duplicates %d |",
						protocol, tc.name, n, res.Exported, res.Dropped, res.Failed, int(res.Exported)-d.unique(), d.duplicates())
					if tc.deliver {
						if err != nil || res.Exported != n || d.unique() != n {
							t.Errorf("want %d records delivered over TLS: %s, collector %d, err %v", n, summary(res), d.unique(), err)
						}
						return
					}
					if res.Failed != n || res.Dropped != 0 || d.unique() != 0 {
						t.Errorf("want all %d records counted Failed: %s, collector %d", n, summary(res), d.unique())
					}
					if err == nil {
						t.Error("drain reported no error")
					}
					for _, s := range tc.stderr {
						if !strings.Contains(stderr, s) {
							t.Errorf("stderr does not mention %q:\n%s", s, stderr)
						}
					}
					if !strings.Contains(stderr, `fapilog: logger "`+scope+`"`) {
						t.Errorf("no warning from the library for %q on stderr:\n%s", scope, stderr)
					}
				})
			}
		})
	}
}

// TestBearerTokenFromEnvironment sends OTEL_EXPORTER_OTLP_HEADERS =
// "authorization=Bearer <token>" to a collector that checks it: the right
// token delivers, a wrong one is rejected and every record counted as
// Failed with a warning; neither token ever appears in a record, an error
// or a line the process writes on stderr.
func TestBearerTokenFromEnvironment(t *testing.T) {
	const token = "s3cr3t-T0KEN-2b1f9e07c4d8"
	const wrongToken = "wr0ng-T0KEN-77aa31c0e5f2"
	c := startCollector(t, collectortest.WithBearerToken(token))
	const n = 20
	for _, protocol := range []string{"grpc", "http/protobuf"} {
		for _, tc := range []struct {
			name    string
			token   string
			deliver bool
		}{{"right token", token, true}, {"wrong token", wrongToken, false}} {
			t.Run(strings.ReplaceAll(protocol+" "+tc.name, " ", "-"), func(t *testing.T) {
				endpoint := "http://" + c.GRPCEndpoint
				if protocol != "grpc" {
					endpoint = "http://" + c.HTTPEndpoint
				}
				otlpEnv(t, map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": endpoint, "OTEL_EXPORTER_OTLP_PROTOCOL": protocol,
					"OTEL_EXPORTER_OTLP_HEADERS": "authorization=Bearer " + tc.token})
				scope := strings.ReplaceAll("auth-"+protocol+"-"+tc.name, " ", "-")
				stop := captureStderr(t)
				res, err := logAndDrain(t, scope, n)
				stderr := stop()
				checkBalance(t, res)
				d := delivered(t, c, scope, 0, 0)
				if tc.deliver {
					d = delivered(t, c, scope, n, 10*time.Second)
				}
				t.Logf("%s; collector %d records; drain error: %v", summary(res), d.unique(), err)
				t.Logf("REPORT | %s %s | sent %d | exported %d | dropped %d | failed %d | missing %d | duplicates %d |",
					protocol, tc.name, n, res.Exported, res.Dropped, res.Failed, int(res.Exported)-d.unique(), d.duplicates())
				if tc.deliver {
					if err != nil || res.Exported != n || d.unique() != n {
						t.Errorf("want %d records delivered: %s, collector %d, err %v", n, summary(res), d.unique(), err)
					}
				} else {
					if res.Failed != n || d.unique() != 0 || err == nil {
						t.Errorf("want all %d records counted Failed and an error: %s, collector %d, err %v", n, summary(res), d.unique(), err)
					}
					if !strings.Contains(stderr, `fapilog: logger "`+scope+`": records failed to export`) {
						t.Errorf("no warning on stderr:\n%s", stderr)
					}
				}
				logs, _ := os.ReadFile(c.LogsFile)
				for _, secret := range []string{token, wrongToken} {
					for where, text := range map[string]string{"stderr": stderr, "drain error": errString(err), "collector records": string(logs)} {
						if strings.Contains(text, secret) {
							t.Errorf("a token appears in %s", where)
						}
					}
				}
			})
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
