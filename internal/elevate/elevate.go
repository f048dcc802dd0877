// Package elevate tells whether the process has administrator rights.
package elevate

// IsElevated reports whether the process runs elevated: an administrator
// token on Windows ("Run as administrator", or SYSTEM), root elsewhere.
func IsElevated() bool { return isElevated() }
