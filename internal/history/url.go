package history

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// MaxPath is how many bytes of a URL's path are kept: the service's page
// paths are short (/status/ended, /screenshare); a longer path is cut at
// a character boundary.
const MaxPath = 256

// maxHost is the longest host name DNS allows.
const maxHost = 253

// urlHost returns the host of u as it is written (without userinfo and
// port, maybe upper-case) and where its path starts, without allocating:
// Read calls it for every row of urls.
func urlHost(u []byte) (host []byte, pathAt int, ok bool) {
	var rest int
	switch {
	case hasPrefixFold(u, "https://"):
		rest = len("https://")
	case hasPrefixFold(u, "http://"):
		rest = len("http://")
	default:
		return nil, 0, false
	}
	end := rest
	for end < len(u) && u[end] != '/' && u[end] != '?' && u[end] != '#' {
		end++
		if end-rest > 4096 {
			return nil, 0, false // a host ends long before
		}
	}
	auth := u[rest:end]
	if at := bytes.LastIndexByte(auth, '@'); at >= 0 {
		auth = auth[at+1:]
	}
	if len(auth) > 0 && auth[0] == '[' { // an IPv6 literal: [::1]:443
		j := bytes.IndexByte(auth, ']')
		if j < 0 {
			return nil, 0, false
		}
		auth = auth[:j+1]
	} else if j := bytes.LastIndexByte(auth, ':'); j >= 0 {
		auth = auth[:j]
	}
	return auth, end, true
}

// lowerHost is h lower-cased into buf, without a trailing dot; ok is false
// for a host that is empty, too long, or not made of a host name's
// characters.
func lowerHost(h []byte, buf *[maxHost]byte) ([]byte, bool) {
	if len(h) > 0 && h[len(h)-1] == '.' {
		h = h[:len(h)-1]
	}
	if len(h) == 0 || len(h) > maxHost {
		return nil, false
	}
	for i, c := range h {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	if !validHost(buf[:len(h)]) {
		return nil, false
	}
	return buf[:len(h)], true
}

// cleanPath is the path of u starting at byte at: up to the query or
// fragment, cut at MaxPath bytes, valid UTF-8.
func cleanPath(u []byte, at int) string {
	if at >= len(u) || u[at] != '/' {
		return "/"
	}
	p := u[at:]
	for i, c := range p {
		if c == '?' || c == '#' {
			p = p[:i]
			break
		}
	}
	if len(p) > MaxPath {
		p = p[:runeCut(p, MaxPath)]
	}
	s := strings.ToValidUTF8(string(p), "\uFFFD") // may grow: each bad byte becomes 3
	return s[:runeCut(s, MaxPath)]
}

// runeCut is the largest n <= max that does not split a character of b
// (a byte sequence that is not UTF-8 is cut anywhere).
func runeCut[T ~string | ~[]byte](b T, max int) int {
	if len(b) <= max {
		return len(b)
	}
	n := max
	for k := 0; k < utf8.UTFMax && n > 0 && !utf8.RuneStart(b[n]); k++ {
		n--
	}
	return n
}

// validHost is true for a lower-case host name of letters, digits, '-',
// '_' and '.' (punycode for international names, as Chromium stores them)
// or an IP literal; anything else is not a page the service shows.
func validHost(h []byte) bool {
	for _, c := range h {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == ':' || c == '[' || c == ']') {
			return false
		}
	}
	return true
}

func hasPrefixFold(b []byte, prefix string) bool {
	if len(b) < len(prefix) {
		return false
	}
	for i := range len(prefix) {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
}
