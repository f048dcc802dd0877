// Package console holds what qadoctor needs of the terminal it runs in
// that differs by platform: colour, whether Explorer started it (a
// double-click), and opening a file in the default browser.
package console

// ColorAllowed applies the conventions that turn colour off: NO_COLOR set
// to anything (no-color.org) and TERM=dumb.
func ColorAllowed(getenv func(string) string) bool {
	return getenv("NO_COLOR") == "" && getenv("TERM") != "dumb"
}
