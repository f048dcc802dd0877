// Package bypass writes the list of hosts a network team must exempt from
// TLS inspection and proxy authentication, from the endpoint profile: a
// list with purposes, a CSV for a firewall or proxy import, or a PAC file
// that sends every endpoint DIRECT.
//
// Microsoft does not support inspecting this traffic: "Microsoft 365
// services expect a direct, secure TLS connection from client to service"
// (learn.microsoft.com/microsoft-365/enterprise/network-intermediation).
package bypass

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"

	"github.com/qadoctor/qadoctor/internal/escape"
	"github.com/qadoctor/qadoctor/internal/profile"
)

// Formats are the formats Write knows.
var Formats = []string{"list", "csv", "pac"}

// Write writes the profile's endpoints in format (one of Formats).
func Write(w io.Writer, p *profile.Profile, format string) error {
	switch format {
	case "list":
		return WriteList(w, p)
	case "csv":
		return WriteCSV(w, p)
	case "pac":
		return WritePAC(w, p)
	}
	return fmt.Errorf("unknown bypass format %q", format)
}

// WriteList writes one host (or wildcard) and port per line, with whether
// Quick Assist needs it and what for.
func WriteList(w io.Writer, p *profile.Profile) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Quick Assist endpoints (profile %s, from %s, %s): exempt them from TLS inspection and proxy authentication.\n",
		escape.Comment(p.Version), escape.Comment(p.Source.URL), escape.Comment(p.Source.Date))
	for _, e := range p.Endpoints {
		req := "required"
		if !e.Required {
			req = "optional"
		}
		fmt.Fprintf(&b, "%s:%d\t# %s: %s\n", escape.Terminal(e.Host), e.Port, req, escape.Comment(e.Purpose))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteCSV writes host, port, required, purpose.
func WriteCSV(w io.Writer, p *profile.Profile) error {
	c := csv.NewWriter(w)
	c.Write([]string{"host", "port", "required", "purpose"})
	for _, e := range p.Endpoints {
		c.Write([]string{escape.CSVCell(e.Host), fmt.Sprint(e.Port), fmt.Sprint(e.Required), escape.CSVCell(e.Purpose)})
	}
	c.Flush()
	return c.Error()
}

// WritePAC writes a PAC file that returns DIRECT for every endpoint and
// leaves everything else to the existing proxy ("PROXY_HERE"). No profile
// text reaches the script raw: in a comment it is ASCII with every control
// character and everything beyond ASCII written out (\x0a, \u{2028}), so
// none of JavaScript's line terminators (LF, CR, U+2028, U+2029) can end
// the comment; in a string literal it is ASCII with \uXXXX escapes.
func WritePAC(w io.Writer, p *profile.Profile) error {
	var b strings.Builder
	fmt.Fprintf(&b, "// Quick Assist endpoints go DIRECT (qadoctor profile %s, %s).\n", pacComment(p.Version), pacComment(p.Source.Date))
	b.WriteString("// Replace PROXY_HERE with the proxy other traffic uses, or merge the list into the existing PAC.\n")
	b.WriteString("function FindProxyForURL(url, host) {\n  host = host.toLowerCase();\n")
	for _, e := range p.Endpoints {
		if e.IsWildcard() {
			fmt.Fprintf(&b, "  if (dnsDomainIs(host, %s)) return \"DIRECT\";\n", jsString(lowerASCII(e.Host[1:])))
		} else {
			fmt.Fprintf(&b, "  if (host == %s) return \"DIRECT\";\n", jsString(lowerASCII(e.Host)))
		}
	}
	b.WriteString("  return \"PROXY PROXY_HERE\";\n}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// pacComment makes s one line of a // comment in JavaScript: plain
// printable ASCII (escape.ASCIIComment), which no line terminator of
// JavaScript's can be.
func pacComment(s string) string { return escape.ASCIIComment(s) }

// jsString quotes s as a JavaScript string literal of printable ASCII:
// " and \ escaped, every other character outside space to ~ as \uXXXX
// (a surrogate pair beyond the BMP), so no line terminator, quote or
// invalid UTF-8 (which becomes U+FFFD) reaches the script raw.
func jsString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r >= ' ' && r <= '~':
			b.WriteRune(r)
		default:
			for _, u := range utf16.Encode([]rune{r}) {
				fmt.Fprintf(&b, "\\u%04x", u)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// lowerASCII lowers A-Z only: the PAC lowers host with JavaScript's
// toLowerCase, which agrees with this on the ASCII of DNS names.
func lowerASCII(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}
