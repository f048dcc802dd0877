// Package console holds what qadoctor needs of the terminal it runs in
// that differs by platform: colour, whether Explorer started it (a
// double-click), where a double-click run saves its files, opening a file
// in the default browser, and the code page a Windows pipe is read in.
package console

import "os"

// ColorAllowed applies the conventions that turn colour off: NO_COLOR set
// to anything (no-color.org) and TERM=dumb.
func ColorAllowed(getenv func(string) string) bool {
	return getenv("NO_COLOR") == "" && getenv("TERM") != "dumb"
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}
