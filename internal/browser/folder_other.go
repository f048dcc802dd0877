//go:build !windows

package browser

import "os"

// folder is a candidate's folder by its variable's name.
func folder(name string) string { return os.Getenv(name) }
