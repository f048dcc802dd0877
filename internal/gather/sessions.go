package gather

import (
	"context"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
)

// DefaultSince is how far back the PC's record of past sessions is read:
// a person who calls the helpdesk about a failed session does so within a
// week.
const DefaultSince = 7 * 24 * time.Hour

// MaxSince keeps a typo (--since 7000h) from reading a whole log.
const MaxSince = 90 * 24 * time.Hour

// MinSince is the shortest window asked for (0 takes DefaultSince): less
// than a minute is a slip (--since 30s meant 30 days) and would hold no
// session; a session's own window (lastsession.Window) is a minute.
const MinSince = time.Minute

// startSessions reads what the PC recorded of its last sessions (the
// History of Quick Assist's WebView2, the event records) within Since of
// now, under the run's deadline.
func startSessions(r *run) job {
	read := r.opts.Env.Sessions
	var g guarded[*facts.Sessions]
	return job{
		gather: func(ctx context.Context) {
			until := r.opts.Env.Now().UTC()
			since := r.opts.Since
			if since <= 0 {
				since = DefaultSince
			}
			s := read(ctx, until.Add(-since), until, r.opts.Profile.ServesSessionPages)
			g.set(&s)
		},
		record: func(f *facts.Facts) {
			if s := g.get(); s != nil {
				f.Sessions = *s
				return
			}
			f.Sessions = facts.Sessions{State: facts.SessionsError, CutOff: true, Error: "the run's deadline came first"}
		},
	}
}
