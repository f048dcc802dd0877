//go:build !windows

package i18n

// UILanguage is the Windows display language; elsewhere the environment
// alone decides.
func UILanguage() string { return "" }
