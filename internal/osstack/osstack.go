// Package osstack makes one HTTPS request through the operating system's
// own HTTP stack - WinHTTP on Windows - so SCHANNEL's policy and the system
// proxy are exercised the way Windows components meet them. It answers
// what Go's own TLS cannot: "does Windows itself get through?" That is
// the question for the RDP relay, which Windows' RDP stack reaches with
// SCHANNEL (../shared/CAUSES.md section 1b): the result says whether
// SCHANNEL made the secure channel (facts.OSStack.SecureChannel) apart
// from any HTTP answer, which a relay need not give.
package osstack

//go:generate go run golang.org/x/sys/windows/mkwinsyscall -output zwinhttp_windows.go winhttp_windows.go

import (
	"context"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
)

// AnswerBound is how long WinHTTP waits for the answer once SCHANNEL has
// made the secure channel: what this request asks is whether Windows' own
// TLS gets through, and the RDP relay need not answer HTTP at all. A
// healthy Microsoft front end answers in well under a second, so the same
// bound as the HEAD qadoctor's own probe sends (gather.MaxExchangeBound)
// keeps a relay that waits for RDP from holding the run to its deadline.
const AnswerBound = 3 * time.Second

// Request sends GET url through the OS stack and records what happened,
// waiting at most AnswerBound for the answer once the secure channel is
// made. Off Windows it returns a result whose State is
// facts.OSStackNotWindows.
func Request(ctx context.Context, url string) facts.OSStack {
	return request(ctx, url)
}
