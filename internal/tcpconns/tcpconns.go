// Package tcpconns reads the kernel's TCP socket table (/proc/net/tcp), so
// that the integration tests can count real connections to the collector.
package tcpconns

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
)

// TCPStateEstablished is the kernel's number for ESTABLISHED in the st
// column of /proc/net/tcp.
const TCPStateEstablished = 0x01

// TCPConn is one row of /proc/net/tcp or /proc/net/tcp6: a TCP socket of
// this network namespace (of any process).
type TCPConn struct {
	Local, Remote netip.AddrPort
	State         int // TCPStateEstablished, …
}

// ReadTCPConns returns the TCP sockets listed in /proc/net/tcp and
// /proc/net/tcp6 (Linux only). A missing tcp6 table (IPv6 disabled) is not
// an error.
func ReadTCPConns() ([]TCPConn, error) {
	var out []TCPConn
	for _, name := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		data, err := os.ReadFile(name)
		if err != nil {
			if name == "/proc/net/tcp6" && errors.Is(err, os.ErrNotExist) {
				continue
			}
			return nil, err
		}
		conns, err := ParseProcNetTCP(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out = append(out, conns...)
	}
	return out, nil
}

// CountEstablished returns how many sockets of this network namespace are
// ESTABLISHED with remote address remote ("127.0.0.1:4317"): the client
// side of every live connection to that server. IPv4-mapped IPv6 addresses
// count as IPv4.
func CountEstablished(remote string) (int, error) {
	want, err := netip.ParseAddrPort(remote)
	if err != nil {
		return 0, err
	}
	want = netip.AddrPortFrom(want.Addr().Unmap(), want.Port())
	conns, err := ReadTCPConns()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, c := range conns {
		if c.State == TCPStateEstablished && c.Remote == want {
			n++
		}
	}
	return n, nil
}

// ParseProcNetTCP parses the text of /proc/net/tcp or /proc/net/tcp6:
// a header line, then one socket per line,
//
//	sl  local_address rem_address   st tx_queue:rx_queue …
//	0: 0100007F:1F90 0100007F:A1B2 01 00000000:00000000 …
//
// Addresses are hex: the IPv4 address (or each 32-bit word of the IPv6
// address) as the kernel's u32 in host byte order, the port big-endian.
func ParseProcNetTCP(data []byte) ([]TCPConn, error) {
	var out []TCPConn
	sc := bufio.NewScanner(bytes.NewReader(data))
	first := true
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if first {
			first = false
			if len(fields) > 0 && fields[0] == "sl" {
				continue
			}
		}
		if len(fields) == 0 {
			continue
		}
		if len(fields) < 4 {
			return nil, fmt.Errorf("short line %q", sc.Text())
		}
		local, err := parseHexAddrPort(fields[1])
		if err != nil {
			return nil, fmt.Errorf("local address %q: %w", fields[1], err)
		}
		remote, err := parseHexAddrPort(fields[2])
		if err != nil {
			return nil, fmt.Errorf("remote address %q: %w", fields[2], err)
		}
		st, err := strconv.ParseUint(fields[3], 16, 8)
		if err != nil {
			return nil, fmt.Errorf("state %q: %w", fields[3], err)
		}
		out = append(out, TCPConn{Local: local, Remote: remote, State: int(st)})
	}
	return out, sc.Err()
}

// parseHexAddrPort reads "0100007F:1F90" (IPv4) or 32 hex digits and a port
// (IPv6). IPv4-mapped IPv6 addresses are returned as IPv4.
func parseHexAddrPort(s string) (netip.AddrPort, error) {
	hexAddr, hexPort, ok := strings.Cut(s, ":")
	if !ok {
		return netip.AddrPort{}, errors.New("no ':'")
	}
	port, err := strconv.ParseUint(hexPort, 16, 16)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("port: %w", err)
	}
	raw, err := hex.DecodeString(hexAddr)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("address: %w", err)
	}
	if len(raw) != 4 && len(raw) != 16 {
		return netip.AddrPort{}, fmt.Errorf("address: %d bytes, want 4 or 16", len(raw))
	}
	// Each 32-bit word was printed as a host-order integer: turn it back
	// into the bytes the kernel holds (network order).
	b := make([]byte, len(raw))
	for i := 0; i < len(raw); i += 4 {
		binary.NativeEndian.PutUint32(b[i:], binary.BigEndian.Uint32(raw[i:]))
	}
	addr, _ := netip.AddrFromSlice(b)
	return netip.AddrPortFrom(addr.Unmap(), uint16(port)), nil
}
