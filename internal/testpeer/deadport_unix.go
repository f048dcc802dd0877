//go:build !windows

package testpeer

import (
	"net"
	"strconv"
	"syscall"
	"testing"
)

// DeadPort is a loopback address where nothing listens, and nothing will
// for the whole test: a socket is bound to it and never listens, so a
// connect is refused, while no other test's listener (Go's take
// SO_REUSEADDR, this socket does not) or the kernel's choice of a free
// port can take it over. ClosedPort's port is free again at once, and on
// a busy machine another test's server may be listening there by the
// time it is dialled (TestPACWaysAsChromium met a reset so).
func DeadPort(t testing.TB) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(sa.(*syscall.SockaddrInet4).Port))
}
