//go:build !windows

package probe

func isPlatformRefused(error) bool     { return false }
func isPlatformUnreachable(error) bool { return false }
func isPlatformReset(error) bool       { return false }
