package tcpconns

import (
	"encoding/binary"
	"net"
	"net/netip"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestParseProcNetTCP(t *testing.T) {
	// IPv4 words are printed in host byte order; this fixture is what a
	// little-endian kernel writes.
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
		t.Skip("fixture is for little-endian hosts")
	}
	const table = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:10E1 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1234 1 0000000000000000 100 0 0 10 0
   1: 0100007F:C350 0100007F:10E1 01 00000000:00000000 00:00000000 00000000     0        0 1235 1 0000000000000000 20 4 30 10 -1
   2: 0100007F:10E1 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 1236 1 0000000000000000 20 4 30 10 -1
   3: 0100007F:C351 0100007F:10E1 06 00000000:00000000 03:00000F5A 00000000     0        0 0 3 0000000000000000
`
	conns, err := ParseProcNetTCP([]byte(table))
	if err != nil {
		t.Fatal(err)
	}
	server := netip.MustParseAddrPort("127.0.0.1:4321")
	want := []TCPConn{
		{Local: server, Remote: netip.MustParseAddrPort("0.0.0.0:0"), State: 0x0A},
		{Local: netip.MustParseAddrPort("127.0.0.1:50000"), Remote: server, State: TCPStateEstablished},
		{Local: server, Remote: netip.MustParseAddrPort("127.0.0.1:50000"), State: TCPStateEstablished},
		{Local: netip.MustParseAddrPort("127.0.0.1:50001"), Remote: server, State: 0x06},
	}
	if len(conns) != len(want) {
		t.Fatalf("got %d rows, want %d: %v", len(conns), len(want), conns)
	}
	for i := range want {
		if conns[i] != want[i] {
			t.Errorf("row %d: %+v, want %+v", i, conns[i], want[i])
		}
	}

	const table6 = `  sl  local_address                         remote_address                        st
   0: 0000000000000000FFFF00000100007F:10E1 0000000000000000FFFF00000100007F:C350 01 00000000:00000000
   1: 00000000000000000000000001000000:0050 00000000000000000000000001000000:C352 01 00000000:00000000
`
	conns, err = ParseProcNetTCP([]byte(table6))
	if err != nil {
		t.Fatal(err)
	}
	if conns[0].Local != server || conns[0].Remote != netip.MustParseAddrPort("127.0.0.1:50000") {
		t.Errorf("IPv4-mapped row: %+v", conns[0])
	}
	if conns[1].Local != netip.MustParseAddrPort("[::1]:80") {
		t.Errorf("::1 row: %+v", conns[1])
	}

	for _, bad := range []string{"0: 0100007F 00000000:0000 0A", "0: 0100007F:10E1 00000000:0000", "0: 01007F:10E1 00000000:0000 0A"} {
		if _, err := ParseProcNetTCP([]byte("sl local rem st\n" + bad + "\n")); err == nil {
			t.Errorf("%q parsed without error", bad)
		}
	}
}

// TestCountEstablished checks the counter against sockets this test opens.
func TestCountEstablished(t *testing.T) {
	if _, err := ReadTCPConns(); err != nil {
		t.Skipf("no kernel TCP table: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	var clients, servers []net.Conn
	defer func() {
		for _, c := range append(clients, servers...) {
			c.Close()
		}
	}()
	for range 3 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
		s, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		servers = append(servers, s)
	}
	if n, err := CountEstablished(addr); err != nil || n != 3 {
		t.Fatalf("CountEstablished(%s) = %d, %v with 3 connections open, want 3", addr, n, err)
	}
	clients[0].Close()
	deadline := time.Now().Add(time.Minute) // only a broken kernel table takes this long
	n, _ := CountEstablished(addr)
	for ; n != 2 && time.Now().Before(deadline); n, _ = CountEstablished(addr) {
		time.Sleep(10 * time.Millisecond)
	}
	if n != 2 {
		t.Fatalf("CountEstablished = %d after closing one of 3, want 2", n)
	}
}

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
