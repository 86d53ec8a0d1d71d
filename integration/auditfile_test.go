package integration

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"testing"

	fapilog "github.com/fapilog/fapilog-go"
)

// TestAuditFileBesideOTLP: with FAPILOG_AUDIT_FILE, every record reaches
// the real collector and the AUDIT and SECURITY ones the file too, over
// both protocols, with exact counts.
func TestAuditFileBesideOTLP(t *testing.T) {
	for _, protocol := range protocols {
		t.Run(protoName(protocol), func(t *testing.T) {
			c := startCollector(t)
			path := filepath.Join(t.TempDir(), "audit.log")
			setEnv(t, merge(otlpEnv(c, protocol), map[string]string{fapilog.EnvAuditFile: path}))
			logger := freshLogger(t, "audit-file")
			logger.Info("payment started")
			logger.Audit("payment approved", "amount_cents", 1299)
			logger.Security("card blocked")
			alog, err := fapilog.GetAsyncLogger(context.Background(), "audit-file-async", fapilog.Reuse(false))
			if err != nil {
				t.Fatal(err)
			}
			_ = alog.Audit(context.Background(), "refund approved")
			res := drain(t, logger)
			ares := drain(t, alog)
			if res.Exported != 3 || ares.Exported != 1 {
				t.Fatalf("exported %d and %d", res.Exported, ares.Exported)
			}
			recs := byBody(t, waitLogs(t, c, 4))
			if len(recs) != 4 {
				t.Errorf("collector has %d records", len(recs))
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			n := 0
			for sc := bufio.NewScanner(f); sc.Scan(); n++ {
			}
			if n != 3 {
				t.Errorf("audit file has %d lines, want the 3 AUDIT and SECURITY records", n)
			}
		})
	}
}
