package topologytest

import (
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"golang.org/x/net/dns/dnsmessage"
)

// DNS is a minimal authoritative DNS responder on a loopback UDP port. It
// answers A queries for the names it was given with every address of the
// name, AAAA and other types with an empty answer, and other names with
// NXDOMAIN.
//
// It exists because the agent balances over the gateways by name
// (dns://<server>/<name>:<port>, gRPC's DNS resolver with a custom server):
// a test cannot add a name with several addresses to /etc/hosts in CI,
// but it can run the name server that gRPC asks. Safe for concurrent use.
type DNS struct {
	// Addr is the responder's host:port on 127.0.0.1.
	Addr string

	conn *net.UDPConn
	wg   sync.WaitGroup

	mu      sync.Mutex
	records map[string][]netip.Addr // lower-case FQDN with the trailing dot
	queries int
}

// StartDNS starts a responder for records (name → IPv4 addresses) and
// closes it when tb ends.
func StartDNS(tb testing.TB, records map[string][]netip.Addr) *DNS {
	tb.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		tb.Fatalf("topologytest: dns: %v", err)
	}
	d := &DNS{Addr: conn.LocalAddr().String(), conn: conn, records: map[string][]netip.Addr{}}
	for name, addrs := range records {
		d.records[fqdn(name)] = addrs
	}
	d.wg.Add(1)
	go d.serve()
	tb.Cleanup(func() {
		conn.Close()
		d.wg.Wait()
	})
	return d
}

// Queries returns how many queries the responder has answered.
func (d *DNS) Queries() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.queries
}

func fqdn(name string) string {
	name = strings.ToLower(name)
	if !strings.HasSuffix(name, ".") {
		name += "."
	}
	return name
}

func (d *DNS) serve() {
	defer d.wg.Done()
	buf := make([]byte, 1500)
	for {
		n, from, err := d.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		resp, err := d.answer(buf[:n])
		if err != nil {
			continue // not a query we can parse: a resolver times out and retries
		}
		_, _ = d.conn.WriteToUDPAddrPort(resp, from)
	}
}

// answer builds the response to one query message.
func (d *DNS) answer(query []byte) ([]byte, error) {
	var p dnsmessage.Parser
	hdr, err := p.Start(query)
	if err != nil {
		return nil, err
	}
	q, err := p.Question()
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	d.queries++
	addrs, known := d.records[strings.ToLower(q.Name.String())]
	d.mu.Unlock()

	rh := dnsmessage.Header{ID: hdr.ID, Response: true, Authoritative: true, RecursionDesired: hdr.RecursionDesired}
	if !known {
		rh.RCode = dnsmessage.RCodeNameError
	}
	b := dnsmessage.NewBuilder(make([]byte, 0, 512), rh)
	b.EnableCompression()
	if err := b.StartQuestions(); err != nil {
		return nil, err
	}
	if err := b.Question(q); err != nil {
		return nil, err
	}
	if err := b.StartAnswers(); err != nil {
		return nil, err
	}
	if known && q.Type == dnsmessage.TypeA {
		for _, a := range addrs {
			if !a.Is4() {
				continue
			}
			rr := dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 1}
			if err := b.AResource(rr, dnsmessage.AResource{A: a.As4()}); err != nil {
				return nil, err
			}
		}
	}
	return b.Finish()
}
