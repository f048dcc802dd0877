package probe

import (
	"errors"

	"golang.org/x/sys/windows"
)

// On Windows, socket errors are Winsock codes (WSAE…), which the syscall
// package's portable ECONNREFUSED and friends do not match.

func isPlatformRefused(err error) bool { return errors.Is(err, windows.WSAECONNREFUSED) }

func isPlatformUnreachable(err error) bool {
	return errors.Is(err, windows.WSAENETUNREACH) || errors.Is(err, windows.WSAEHOSTUNREACH) ||
		errors.Is(err, windows.WSAEADDRNOTAVAIL)
}

func isPlatformReset(err error) bool {
	return errors.Is(err, windows.WSAECONNRESET) || errors.Is(err, windows.WSAECONNABORTED)
}
