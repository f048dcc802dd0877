package facts

// Needs says which facts a check needs gathered. The union of the selected
// checks' needs decides which fact sources a run starts; a fact no selected
// check needs is not gathered (and is recorded as not selected).
type Needs struct {
	HostsFile bool
	DNS       bool
	TCP       bool // implies DNS
	TLS       bool // implies TCP
	Versions  bool // implies DNS and TCP reachability
	System    bool // the Windows system state
	OSStack   bool // one request through the OS's own HTTP stack
	HTTP      bool // the exchange each endpoint's role makes on its TLS connection (HEAD, a WebSocket upgrade, a TURN Allocate); implies TLS
	NTP       bool // the profile's NTP servers
	// ClockSettings reads how the machine keeps time (timedatectl on
	// Linux; on Windows the registry values come with System).
	ClockSettings bool
	Network       bool // the network interfaces and the default route
	// Sessions reads what the PC recorded of its last Quick Assist
	// sessions: the History of its WebView2, the event records.
	Sessions bool
	// Browser asks the PC's own browser (Edge) to make the web leg's
	// requests.
	Browser bool
}

// Union is what either set of needs asks for.
func (n Needs) Union(m Needs) Needs {
	return Needs{
		HostsFile:     n.HostsFile || m.HostsFile,
		DNS:           n.DNS || m.DNS,
		TCP:           n.TCP || m.TCP,
		TLS:           n.TLS || m.TLS,
		Versions:      n.Versions || m.Versions,
		System:        n.System || m.System,
		OSStack:       n.OSStack || m.OSStack,
		HTTP:          n.HTTP || m.HTTP,
		NTP:           n.NTP || m.NTP,
		ClockSettings: n.ClockSettings || m.ClockSettings,
		Network:       n.Network || m.Network,
		Sessions:      n.Sessions || m.Sessions,
		Browser:       n.Browser || m.Browser,
	}
}

// Closed adds the steps a needed step depends on: HTTP needs TLS, TLS and
// version probes need TCP, TCP needs DNS.
func (n Needs) Closed() Needs {
	n.TLS = n.TLS || n.HTTP
	n.TCP = n.TCP || n.TLS || n.Versions
	n.DNS = n.DNS || n.TCP
	return n
}
