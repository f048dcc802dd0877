// Package elevate tells whether the process has administrator rights.
package elevate

// IsElevated reports whether the process runs elevated: an administrator
// token on Windows ("Run as administrator", or SYSTEM), root elsewhere.
func IsElevated() bool { return isElevated() }

// IsSystem reports whether the process runs as LocalSystem (S-1-5-18), as
// Intune runs scripts by default. Never true off Windows.
func IsSystem() bool { return isSystem() }
