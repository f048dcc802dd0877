// Package osstack makes one HTTPS request through the operating system's
// own HTTP stack - WinHTTP on Windows - so SCHANNEL's policy and the system
// proxy are exercised the way Windows components meet them. It answers
// what Go's own TLS cannot: "does Windows itself get through?"
package osstack

//go:generate go run golang.org/x/sys/windows/mkwinsyscall -output zwinhttp_windows.go winhttp_windows.go

import (
	"context"

	"github.com/qadoctor/qadoctor/internal/facts"
)

// Request sends GET url through the OS stack and records what happened.
// Off Windows it returns a result whose State is facts.OSStackNotWindows.
func Request(ctx context.Context, url string) facts.OSStack {
	return request(ctx, url)
}
