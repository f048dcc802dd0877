package i18n

import "golang.org/x/text/width"

// Width counts the terminal columns s takes: East Asian wide and
// full-width characters (kana, kanji, full-width forms) take two, as
// Unicode's East Asian Width property says (UAX #11, golang.org/x/text/width);
// the rest take one.
func Width(s string) int {
	n := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}

// Truncate cuts s to at most cols terminal columns, ending it with "…"
// when it had to cut; it never splits a character.
func Truncate(s string, cols int) string {
	if Width(s) <= cols {
		return s
	}
	used := 0
	for i, r := range s {
		w := Width(string(r))
		if used+w > cols-1 { // leave a column for the ellipsis
			return s[:i] + "…"
		}
		used += w
	}
	return s
}
