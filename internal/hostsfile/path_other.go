//go:build !windows

package hostsfile

// DefaultPath is where Unix-like systems keep the hosts file.
func DefaultPath() string { return "/etc/hosts" }
