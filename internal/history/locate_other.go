//go:build !windows

package history

// Locate finds the History file of the user signed in to this PC; off
// Windows there is none.
func Locate() Location {
	return Location{Unavailable: "Quick Assist runs on Windows only; give the History file copied from the PC"}
}
