package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/qadoctor/qadoctor/internal/i18n"
	"github.com/qadoctor/qadoctor/internal/lastsession"
)

// sessionView is one session of the timeline in words: a head line (when
// it started, each mark it reached with its time, how it ended) and one
// line per event record beside it. Every string is untrusted (paths and
// record values come from the PC's files): each writer escapes them.
type sessionView struct {
	Head    string
	Records []string
}

// TextSessions is how many sessions the text report shows; HTML, Markdown
// and JSON show all the timeline keeps.
const TextSessions = 3

// sessionViews says the timeline's sessions, newest first, then the
// records no session explains as one more group.
func sessionViews(tr *i18n.Printer, t *lastsession.Timeline, limit int) []sessionView {
	if t == nil {
		return nil
	}
	var out []sessionView
	for i, s := range t.Sessions {
		if limit > 0 && i == limit {
			break
		}
		parts := []string{fmt.Sprintf("%s %s", s.Start.UTC().Format("2006-01-02 15:04:05"), markWord(tr, lastsession.Opened))}
		for _, m := range []lastsession.Mark{lastsession.Code, lastsession.Consent, lastsession.Sharing} {
			if st, ok := s.StepAt(m); ok {
				parts = append(parts, fmt.Sprintf("%s %s", markWord(tr, m), clockAfter(st.Time, s.Start)))
			}
		}
		if s.EndPage != "" {
			parts = append(parts, tr.Sprintf("ended %s (%s)", clockAfter(s.End, s.Start), s.EndPage))
		} else {
			parts = append(parts, tr.Sprintf("no end screen; last page %s", clockAfter(s.End, s.Start)))
		}
		v := sessionView{Head: strings.Join(parts, " → ")}
		for _, r := range s.Records {
			v.Records = append(v.Records, recordLine(r))
		}
		if s.RecordsBeyond > 0 {
			v.Records = append(v.Records, tr.Sprintf("… and %d more", s.RecordsBeyond))
		}
		out = append(out, v)
	}
	if len(t.Unplaced) > 0 {
		v := sessionView{Head: tr.Sprintf("Records in no session of the History")}
		for _, r := range t.Unplaced {
			v.Records = append(v.Records, recordLine(r))
		}
		if t.UnplacedBeyond > 0 {
			v.Records = append(v.Records, tr.Sprintf("… and %d more", t.UnplacedBeyond))
		}
		out = append(out, v)
	}
	return out
}

// recordLine says a record: its time, provider, ID, the values kept, and
// the table's code.
func recordLine(r lastsession.Record) string {
	when := r.Time.UTC().Format("2006-01-02 15:04:05")
	if r.N() > 1 {
		when += "–" + clockAfter(r.End(), r.Time)
	}
	s := fmt.Sprintf("%s %s %d", when, r.Provider, r.EventID)
	if v := r.Values(); v != "" {
		s += " (" + v + ")"
	}
	if r.N() > 1 {
		s += fmt.Sprintf(" ×%d", r.N())
	}
	return s + " [" + r.Code + "]"
}

func markWord(tr *i18n.Printer, m lastsession.Mark) string {
	switch m {
	case lastsession.Code:
		return tr.Sprintf("code")
	case lastsession.Consent:
		return tr.Sprintf("consent")
	case lastsession.Sharing:
		return tr.Sprintf("sharing")
	}
	return tr.Sprintf("opened")
}

// clockAfter says t, which follows ref: the time of day on ref's day, the
// date too on another.
func clockAfter(t, ref time.Time) string {
	if t.UTC().Format("20060102") == ref.UTC().Format("20060102") {
		return t.UTC().Format("15:04:05")
	}
	return t.UTC().Format("2006-01-02 15:04:05")
}
