//go:build !windows

package browser

// private returns dir itself: os.MkdirTemp made it 0700, the user's
// alone.
func private(dir string) (string, error) { return dir, nil }
