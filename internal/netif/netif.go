// Package netif lists the machine's network interfaces and the one its
// default route leaves by: what net.vpn judges.
package netif

import (
	"net"
	"strings"

	"github.com/qadoctor/qadoctor/internal/facts"
)

// Read lists the interfaces and the default route's interface.
func Read() facts.Network {
	n := facts.Network{State: "read"}
	ifs, err := net.Interfaces()
	if err != nil {
		return facts.Network{State: "error", Error: err.Error()}
	}
	for _, i := range ifs {
		ni := facts.NetInterface{Name: i.Name, Up: i.Flags&net.FlagUp != 0, Type: typeByName(i.Name, i.Flags)}
		if addrs, err := i.Addrs(); err == nil {
			for _, a := range addrs {
				ni.Addrs = append(ni.Addrs, a.String())
			}
		}
		n.Interfaces = append(n.Interfaces, ni)
	}
	describe(&n) // Windows: adapter descriptions and types
	n.DefaultRoute = defaultRoute()
	return n
}

// typeByName guesses a Unix interface's type from its name: tun/tap,
// WireGuard, PPP and the common VPN clients' own names.
func typeByName(name string, flags net.Flags) string {
	l := strings.ToLower(name)
	switch {
	case flags&net.FlagLoopback != 0:
		return "loopback"
	case strings.HasPrefix(l, "ppp"):
		return "ppp"
	case strings.HasPrefix(l, "tun"), strings.HasPrefix(l, "tap"), strings.HasPrefix(l, "wg"), strings.HasPrefix(l, "utun"),
		strings.HasPrefix(l, "tailscale"), strings.HasPrefix(l, "zt"), strings.HasPrefix(l, "ipsec"), strings.HasPrefix(l, "vti"),
		strings.HasPrefix(l, "cscotun"), strings.HasPrefix(l, "gpd"), strings.HasPrefix(l, "nordlynx"):
		return "tunnel"
	case flags&net.FlagPointToPoint != 0:
		return "tunnel"
	}
	return "other"
}
