package sessionread

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/eventlog"
	"github.com/qadoctor/qadoctor/internal/facts"
)

// TestLiveSessionsUnderWine runs the live path as far as Wine goes: it
// finds the signed-in user's Quick Assist History (Wine has none: the
// History is absent, said so) and asks every channel of the wanted-events
// table through the Event Log API. Wine 8's wevtapi does not implement
// EvtQuery (it fails every query with ERROR_INVALID_PARAMETER), so each
// channel must say it could not be read and why, within the deadline,
// never a panic or a guess. On real Windows the test only checks the same
// shape.
func TestLiveSessionsUnderWine(t *testing.T) {
	wine := os.Getenv("QADOCTOR_WINE") == "1"
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	until := time.Now().UTC()
	s := Live(ctx, until.Add(-7*24*time.Hour), until, func(h string) bool { return h == "remoteassistance.support.services.microsoft.com" })
	t.Logf("state %s (%s); History %s %q %s; logs:", s.State, s.Why, s.History.State, s.History.Path, s.History.Error)
	for _, l := range s.Logs {
		t.Logf("  %s: %s %s (%d scanned)", l.Channel, l.State, l.Error, l.Scanned)
	}
	if len(s.Logs) != len(eventlog.Channels()) {
		t.Errorf("%d logs read, want one per channel (%d)", len(s.Logs), len(eventlog.Channels()))
	}
	for _, l := range s.Logs {
		if l.State == "" || l.State != facts.ReadOK && l.State != facts.ReadTruncated && l.Error == "" {
			t.Errorf("%s: state %q with no reason", l.Channel, l.State)
		}
	}
	if s.History.State == "" || s.History.State != facts.ReadOK && s.History.Error == "" {
		t.Errorf("History: state %q with no reason", s.History.State)
	}
	if strings.Contains(s.History.Path, `\Users\`) {
		t.Errorf("History path %q names the profile folder", s.History.Path)
	}
	if wine {
		if s.History.State == facts.ReadOK {
			t.Errorf("Wine has no Quick Assist History, yet it was read")
		}
		if s.State != facts.SessionsUnavailable || s.Why != facts.WhyNothingRead {
			t.Errorf("under Wine nothing can be read, and the record must say so: %s %q", s.State, s.Why)
		}
	}
}
