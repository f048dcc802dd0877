package proxy

import (
	"encoding/binary"
	"fmt"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/winstate"
)

// Connection flags in the settings blobs (WinINet's INTERNET_PER_CONN_FLAGS).
const (
	blobDirect     = 0x1
	blobProxy      = 0x2
	blobAutoConfig = 0x4
	blobAutoDetect = 0x8
)

// ConnectionBlob is what WinHttpSettings and DefaultConnectionSettings
// hold: a version and a counter, the flags, then the proxy and the bypass
// list, each as a little-endian length and ASCII text. (The layout is not
// documented by Microsoft; it is what netsh and the Internet Options
// dialog write, as third-party sources describe it.)
type ConnectionBlob struct {
	Flags  uint32
	Proxy  string
	Bypass string
}

// ParseConnectionBlob reads a settings blob; a blob too short for its own
// lengths is an error that says where it ends.
func ParseConnectionBlob(b []byte) (ConnectionBlob, error) {
	var c ConnectionBlob
	if len(b) < 12 {
		return c, fmt.Errorf("%d bytes; a settings blob has at least 12", len(b))
	}
	c.Flags = binary.LittleEndian.Uint32(b[8:])
	rest := b[12:]
	read := func(what string) (string, error) {
		if len(rest) == 0 {
			return "", nil // older blobs stop after the flags
		}
		if len(rest) < 4 {
			return "", fmt.Errorf("the %s length is cut off", what)
		}
		n := binary.LittleEndian.Uint32(rest)
		rest = rest[4:]
		if uint64(n) > uint64(len(rest)) {
			return "", fmt.Errorf("the %s is %d bytes but only %d remain", what, n, len(rest))
		}
		s := string(rest[:n])
		rest = rest[n:]
		return s, nil
	}
	var err error
	if c.Proxy, err = read("proxy"); err != nil {
		return c, err
	}
	c.Bypass, err = read("bypass list")
	return c, err
}

// WinHTTPProxy describes the WinHTTP proxy (what `netsh winhttp show proxy`
// shows), which Windows services use: "direct", "host:port (bypass …)", or
// "" when unknown.
func WinHTTPProxy(sys facts.System) string {
	v, ok := winstate.FromFact(winstate.Lookup(sys, winstate.KeyConnectionsMachine, "WinHttpSettings"))
	if !ok {
		return ""
	}
	c, err := ParseConnectionBlob(v.Data)
	if err != nil {
		return "unreadable: " + err.Error()
	}
	if c.Flags&blobProxy == 0 || c.Proxy == "" {
		return "direct"
	}
	if c.Bypass != "" {
		return c.Proxy + " (bypass " + c.Bypass + ")"
	}
	return c.Proxy
}

// AutoDetect reports whether the user's connection has WPAD auto-detect
// ("Automatically detect settings") on.
func AutoDetect(sys facts.System) bool {
	v, ok := winstate.FromFact(winstate.Lookup(sys, winstate.KeyConnectionsUser, "DefaultConnectionSettings"))
	if !ok {
		return false
	}
	c, err := ParseConnectionBlob(v.Data)
	return err == nil && c.Flags&blobAutoDetect != 0
}
