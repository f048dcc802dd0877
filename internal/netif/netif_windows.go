package netif

import (
	"net/netip"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/qadoctor/qadoctor/internal/facts"
)

// Interface types (GetAdaptersAddresses IfType; REFERENCE.md "VPN adapters").
var ifTypes = map[uint32]string{
	6:   "ethernet",
	23:  "ppp",
	24:  "loopback",
	53:  "virtual",
	71:  "wifi",
	131: "tunnel",
}

// adapters returns Windows' adapter list (GetAdaptersAddresses).
func adapters() []*windows.IpAdapterAddresses {
	size := uint32(15 << 10)
	for range 3 {
		buf := make([]byte, size)
		first := (*windows.IpAdapterAddresses)(unsafe.Pointer(&buf[0]))
		err := windows.GetAdaptersAddresses(windows.AF_UNSPEC, windows.GAA_FLAG_INCLUDE_PREFIX, 0, first, &size)
		if err == windows.ERROR_BUFFER_OVERFLOW {
			continue
		}
		if err != nil {
			return nil
		}
		var out []*windows.IpAdapterAddresses
		for a := first; a != nil; a = a.Next {
			out = append(out, a)
		}
		return out
	}
	return nil
}

// describe adds Windows' own names, descriptions and types: Go's list has
// only the friendly names.
func describe(n *facts.Network) {
	for _, a := range adapters() {
		name := windows.UTF16PtrToString(a.FriendlyName)
		for i := range n.Interfaces {
			if n.Interfaces[i].Name != name {
				continue
			}
			n.Interfaces[i].Description = windows.UTF16PtrToString(a.Description)
			if t, ok := ifTypes[a.IfType]; ok {
				n.Interfaces[i].Type = t
			} else {
				n.Interfaces[i].Type = "other"
			}
			n.Interfaces[i].Up = a.OperStatus == windows.IfOperStatusUp
		}
	}
}

// defaultRoute asks which interface Windows would use to reach a public
// address (one of Microsoft's, 13.107.4.50): the default route's.
func defaultRoute() string {
	sa := &windows.SockaddrInet4{Addr: netip.MustParseAddr("13.107.4.50").As4()}
	var index uint32
	if err := windows.GetBestInterfaceEx(sa, &index); err != nil {
		return ""
	}
	for _, a := range adapters() {
		if a.IfIndex == index {
			return windows.UTF16PtrToString(a.FriendlyName)
		}
	}
	return ""
}
