package topologytest

import (
	"context"
	"net"
	"net/netip"
	"slices"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
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

// FuzzDNSAnswer feeds the responder arbitrary packets: it must answer a
// query it can parse with a message that parses back with the query's id,
// and refuse anything else without panicking.
func FuzzDNSAnswer(f *testing.F) {
	var q dnsmessage.Message
	q.Header.ID = 7
	q.Questions = []dnsmessage.Question{{Name: dnsmessage.MustNewName("gateways.fapilog.test."), Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET}}
	packed, err := q.Pack()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(packed)
	f.Add([]byte{})
	f.Add([]byte{0, 1, 2, 3})
	d := &DNS{records: map[string][]netip.Addr{"gateways.fapilog.test.": {netip.MustParseAddr("127.0.0.2"), netip.MustParseAddr("::1")}}}
	f.Fuzz(func(t *testing.T, query []byte) {
		resp, err := d.answer(query)
		if err != nil {
			return
		}
		var p dnsmessage.Parser
		h, err := p.Start(resp)
		if err != nil {
			t.Fatalf("the answer does not parse: %v", err)
		}
		var qp dnsmessage.Parser
		qh, _ := qp.Start(query)
		if h.ID != qh.ID || !h.Response {
			t.Fatalf("answer id %d response %v, query id %d", h.ID, h.Response, qh.ID)
		}
	})
}
