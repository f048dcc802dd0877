//go:build !windows

package eventlog

import (
	"context"

	"github.com/qadoctor/qadoctor/internal/facts"
)

// ReadLive reads the table's channels from this PC's event log. Off
// Windows there is none: every channel is unavailable.
func ReadLive(ctx context.Context, w Window, lim Limits) ([]facts.LogRead, []facts.EventRecord) {
	var logs []facts.LogRead
	for _, ch := range Channels() {
		logs = append(logs, facts.LogRead{Channel: ch, State: facts.ReadUnavailable, Error: "the event log is read live on Windows only"})
	}
	return logs, nil
}
