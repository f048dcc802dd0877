// Package bundle writes the support bundle: one zip with everything a
// helpdesk or Microsoft support needs - the report as JSON and HTML, the
// system snapshot, the last fix journal, the versions - redacted of what
// identifies the person and the network, with a file saying what was
// redacted and how.
package bundle

import (
	"archive/zip"
	"fmt"
	"io"
	"net/netip"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/winstate"
)

// File is one file of the bundle.
type File struct {
	Name string
	Data []byte
}

// Redactor replaces what identifies a person or a network, consistently:
// the same value always becomes the same placeholder, so the evidence
// still reads.
type Redactor struct {
	literal []replacement         // user name, machine name, internal hosts
	ips     map[netip.Addr]string // private address → placeholder
	counts  map[string]int        // kind → values redacted
	kinds   map[string]string     // kind → how
}

type replacement struct{ old, new, kind string }

// NewRedactor redacts the user names (a user may have several spellings,
// DOMAIN\user and user), the machine name and the internal host names
// given. Empty values are ignored.
func NewRedactor(users []string, machine string, internalHosts []string) *Redactor {
	r := &Redactor{ips: map[netip.Addr]string{}, counts: map[string]int{}, kinds: map[string]string{}}
	add := func(old, new, kind, how string) {
		if len(old) < 2 {
			return
		}
		r.literal = append(r.literal, replacement{old, new, kind})
		r.counts[kind]++
		r.kinds[kind] = how
	}
	for _, u := range users {
		add(u, "<user>", "user name", "replaced by <user>")
	}
	add(machine, "<machine>", "machine name", "replaced by <machine>")
	sort.Strings(internalHosts)
	n := 0
	for _, h := range internalHosts {
		if h == "" {
			continue
		}
		n++
		add(h, fmt.Sprintf("<host-%d>", n), "internal host names", "replaced by <host-N>, the same name always by the same N")
	}
	// Longest first, so a host name is not cut by a shorter one inside it.
	sort.SliceStable(r.literal, func(i, j int) bool { return len(r.literal[i].old) > len(r.literal[j].old) })
	return r
}

// ipv4 and ipv6 find address-looking text; private ones are redacted.
var addrPattern = regexp.MustCompile(`\b(?:\d{1,3}\.){3}\d{1,3}\b|\b[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{0,4}){2,7}\b`)

// private reports addresses that say something about a network: RFC 1918,
// carrier-grade NAT, link-local and unique-local. Loopback and public
// addresses (Microsoft's) stay.
func private(a netip.Addr) bool {
	cgnat := netip.MustParsePrefix("100.64.0.0/10")
	return a.IsPrivate() || a.IsLinkLocalUnicast() || cgnat.Contains(a)
}

// Redact returns data with the values replaced.
func (r *Redactor) Redact(data []byte) []byte {
	s := string(data)
	for _, rep := range r.literal {
		s = replaceFold(s, rep.old, rep.new)
	}
	s = addrPattern.ReplaceAllStringFunc(s, func(m string) string {
		a, err := netip.ParseAddr(m)
		if err != nil || !private(a) {
			return m
		}
		p, ok := r.ips[a]
		if !ok {
			p = fmt.Sprintf("<private-ip-%d>", len(r.ips)+1)
			r.ips[a] = p
			r.counts["private addresses"]++
			r.kinds["private addresses"] = "replaced by <private-ip-N>, the same address always by the same N; public addresses (Microsoft's) and loopback are kept"
		}
		return p
	})
	return []byte(s)
}

// replaceFold replaces old case-insensitively (Windows names ignore case).
func replaceFold(s, old, new string) string {
	re := regexp.MustCompile(`(?i)` + regexp.QuoteMeta(old))
	return re.ReplaceAllLiteralString(s, new)
}

// Summary says what was redacted and how, never the values themselves.
func (r *Redactor) Summary() string {
	var b strings.Builder
	b.WriteString("qadoctor support bundle: what was redacted, and how.\n")
	b.WriteString("The values themselves are not in this bundle.\n\n")
	kinds := make([]string, 0, len(r.counts))
	for k := range r.counts {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	if len(kinds) == 0 {
		b.WriteString("Nothing needed redacting.\n")
	}
	for _, k := range kinds {
		fmt.Fprintf(&b, "- %s: %d value(s), %s\n", k, r.counts[k], r.kinds[k])
	}
	b.WriteString("\nKept: the profile's endpoints (Microsoft's names), public addresses, versions, findings, certificate chains.\n")
	return b.String()
}

// NotRedacted is redactions.txt for a bundle made with --no-redact.
const NotRedacted = `qadoctor support bundle: NOT redacted (--no-redact).
It keeps the user name, the machine name, private addresses and internal host
names (hosts-file entries, the proxy, the DNS suffix) as the PC reported them.
Share it only with people who may see them.
`

// Write writes the files as a zip, each stamped with the bundle's time.
func Write(w io.Writer, files []File, when time.Time) error {
	zw := zip.NewWriter(w)
	for _, f := range files {
		hw, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Deflate, Modified: when})
		if err != nil {
			return err
		}
		if _, err := hw.Write(f.Data); err != nil {
			return err
		}
	}
	return zw.Close()
}

// RedactorFor redacts a run's identifying values: the user (DOMAIN\user on
// Windows is redacted in both spellings), the machine, and the internal
// host names its facts hold.
func RedactorFor(user, machine string, f *facts.Facts) *Redactor {
	users := []string{user}
	if _, short, ok := strings.Cut(user, `\`); ok {
		users = append(users, short)
	}
	return NewRedactor(users, machine, InternalHosts(f))
}

// InternalHosts lists the names a report may hold that describe the
// organisation's network rather than Microsoft's: hosts-file names that
// are not the profile's endpoints, the proxy, the PAC and WPAD hosts, the
// DNS suffix.
func InternalHosts(f *facts.Facts) []string {
	seen := map[string]bool{}
	var out []string
	addHost := func(h string) {
		h = strings.TrimSpace(h)
		if h == "" || h == "localhost" || seen[strings.ToLower(h)] {
			return
		}
		for _, e := range f.Endpoints {
			if e.Endpoint.Covers(h) {
				return
			}
		}
		seen[strings.ToLower(h)] = true
		out = append(out, h)
	}
	hostOf := func(raw string) string {
		if !strings.Contains(raw, "://") {
			raw = "http://" + raw
		}
		if u, err := url.Parse(raw); err == nil {
			return u.Hostname()
		}
		return ""
	}
	for _, e := range f.Hosts.Entries {
		for _, n := range e.Names {
			addHost(n)
		}
	}
	addHost(hostOf(f.Proxy.Proxy))
	addHost(hostOf(f.Proxy.AutoConfigURL))
	for _, u := range f.Proxy.WPADTried {
		addHost(hostOf(u))
	}
	if w := strings.Fields(f.Proxy.WinHTTP); len(w) > 0 && w[0] != "direct" {
		addHost(hostOf(w[0]))
	}
	for _, name := range []string{"NV Domain", "Domain"} {
		if v, ok := winstate.FromFact(winstate.Lookup(f.System, winstate.KeyTcpip, name)); ok {
			addHost(v.String())
		}
	}
	return out
}
