// Package bundle writes the support bundle: one zip with everything a
// helpdesk or Microsoft support needs - the report as JSON and HTML, the
// system snapshot, the last fix journal, the versions - redacted of what
// identifies the person and the network, with a file saying what was
// redacted and how.
package bundle

import (
	"archive/zip"
	"bytes"
	"encoding/hex"
	"encoding/json"
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

type replacement struct {
	old, new, kind string
	re             *regexp.Regexp // old, ignoring case: compiled once, used for every value
}

// NewRedactor redacts the user names (a user may have several spellings,
// DOMAIN\user and user), the machine name and the internal host names
// given. Empty values are ignored.
func NewRedactor(users []string, machine string, internalHosts []string) *Redactor {
	r := &Redactor{ips: map[netip.Addr]string{}, counts: map[string]int{}, kinds: map[string]string{}}
	add := func(old, new, kind, how string) {
		if len(old) < 2 {
			return
		}
		r.literal = append(r.literal, replacement{old, new, kind, regexp.MustCompile(`(?i)` + regexp.QuoteMeta(old))})
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

// Redact returns data with the values replaced: JSON files value by value
// (Redact's JSON), anything else as text.
func (r *Redactor) Redact(name string, data []byte) []byte {
	if strings.HasSuffix(name, ".json") {
		if out, err := r.JSON(data); err == nil {
			return out
		}
	}
	return []byte(r.Text(string(data)))
}

// Text redacts one text: credentials in URLs, the literal values (whole
// tokens only, ignoring case: "st" the user is not "st" in "status"), and
// private addresses.
func (r *Redactor) Text(s string) string {
	if stripped := winstate.Credentials.ReplaceAllString(s, "${1}<credentials>@"); stripped != s {
		r.counts["credentials"]++
		r.kinds["credentials"] = "user:password@ before a host replaced by <credentials>@"
		s = stripped
	}
	for _, rep := range r.literal {
		s = replaceToken(s, rep.re, rep.new)
	}
	return addrPattern.ReplaceAllStringFunc(s, func(m string) string {
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
}

// replaceToken replaces what re finds where it stands as a token of its
// own: not inside a longer word (letters, digits, _).
func replaceToken(s string, re *regexp.Regexp, new string) string {
	var b strings.Builder
	last := 0
	for _, m := range re.FindAllStringIndex(s, -1) {
		if wordByte(s, m[0]-1) || wordByte(s, m[1]) {
			continue
		}
		b.WriteString(s[last:m[0]])
		b.WriteString(new)
		last = m[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

func wordByte(s string, i int) bool {
	if i < 0 || i >= len(s) {
		return false
	}
	c := s[i]
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// JSON redacts every string value of a JSON document, never a key, and
// keeps the document's order. A value that is hex (the raw bytes of a
// registry value in a snapshot or a journal) is redacted in what it
// encodes, as UTF-16LE text and as bytes, and encoded again, so decoding
// it gives nothing back.
func (r *Redactor) JSON(data []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var out bytes.Buffer
	type frame struct {
		object bool
		n      int // items written
	}
	var stack []frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		isKey := false
		if len(stack) > 0 {
			f := &stack[len(stack)-1]
			if d, ok := tok.(json.Delim); !ok || d == '{' || d == '[' {
				if f.object {
					isKey = f.n%2 == 0
					switch {
					case isKey && f.n > 0:
						out.WriteByte(',')
					case !isKey:
						out.WriteByte(':')
					}
				} else if f.n > 0 {
					out.WriteByte(',')
				}
				f.n++
			}
		}
		switch t := tok.(type) {
		case json.Delim:
			out.WriteRune(rune(t))
			switch t {
			case '{', '[':
				stack = append(stack, frame{object: t == '{'})
			default:
				stack = stack[:len(stack)-1]
			}
		case string:
			if !isKey {
				t = r.value(t)
			}
			writeString(&out, t)
		case json.Number:
			out.WriteString(t.String())
		default:
			b, _ := json.Marshal(t) // bool, nil
			out.Write(b)
		}
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, out.Bytes(), "", "  "); err != nil {
		return nil, err
	}
	pretty.WriteByte('\n')
	return pretty.Bytes(), nil
}

// writeString writes s as a JSON string, leaving < and > as they are
// (the placeholders read <user>, not \u003cuser\u003e).
func writeString(w *bytes.Buffer, s string) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(s)           // a string always encodes
	w.Truncate(w.Len() - 1) // Encode's newline
}

// hexData is a string that may be the hex of raw bytes.
var hexData = regexp.MustCompile(`^(?:[0-9a-fA-F]{2}){4,}$`)

// value redacts one JSON string value.
func (r *Redactor) value(s string) string {
	s = r.Text(s)
	if !hexData.MatchString(s) {
		return s
	}
	raw, _ := hex.DecodeString(s)
	if len(raw)%2 == 0 {
		if text := winstate.DecodeUTF16(raw); r.Text(text) != text {
			raw = winstate.EncodeUTF16(r.Text(text))
		}
	}
	if text := string(raw); r.Text(text) != text {
		raw = []byte(r.Text(text))
	}
	return hex.EncodeToString(raw)
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
	var users []string
	// The signed-in user whose Quick Assist History was read may not be
	// the account qadoctor ran as (an elevated run as another admin).
	for _, u := range []string{user, f.Sessions.History.User} {
		if u == "" {
			continue
		}
		users = append(users, u)
		if _, short, ok := strings.Cut(u, `\`); ok {
			users = append(users, short)
		}
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
