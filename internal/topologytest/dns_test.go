package topologytest

import (
	"context"
	"net"
	"net/netip"
	"slices"
	"testing"
	"time"
)

// TestDNSResolvesEveryAddress asks the responder through Go's own resolver
// (the one gRPC's dns resolver uses) and checks that one name gives every
// address, and that an unknown name fails.
func TestDNSResolvesEveryAddress(t *testing.T) {
	want := []netip.Addr{netip.MustParseAddr("127.0.0.2"), netip.MustParseAddr("127.0.0.3")}
	d := StartDNS(t, map[string][]netip.Addr{"gateways.fapilog.test": want})
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var dialer net.Dialer
		return dialer.DialContext(ctx, network, d.Addr)
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got, err := r.LookupNetIP(ctx, "ip4", "gateways.fapilog.test")
	if err != nil {
		t.Fatalf("lookup: %v", err)
	}
	slices.SortFunc(got, netip.Addr.Compare)
	if !slices.Equal(got, want) {
		t.Fatalf("resolved %v, want %v", got, want)
	}
	if _, err := r.LookupHost(ctx, "other.fapilog.test"); err == nil {
		t.Fatal("an unknown name resolved")
	}
	if d.Queries() == 0 {
		t.Fatal("the responder answered no query")
	}
}
