package checks

import (
	"math"
	"sort"
	"strings"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/i18n"
)

var titleClockOffset = i18n.Key("This PC's clock agrees with the time servers and with Microsoft")

// clockWarn is the offset worth a warning: certificates and tokens still
// validate, but the clock is drifting.
const clockWarn = time.Minute

// clockAgree is how far two sources may differ and still agree: an HTTP
// Date has one-second resolution and crosses a round trip, so a few
// seconds apart is the same answer.
const clockAgree = 5 * time.Second

// clockSource is one independent reading of the offset.
type clockSource struct {
	name   string
	offset time.Duration // the source's clock minus this PC's
}

// clockReading is what the sources say together.
type clockReading struct {
	sources  []clockSource
	offset   time.Duration // agreed offset (median), when agree
	agree    bool
	maxSkew  time.Duration
	evidence []finding.Evidence
	failures []string // why sources gave nothing
}

// readClock gathers every offset the facts hold: each NTP server is a
// source, and the HTTPS Date headers of the endpoints together are one
// (their median), since they share a path and a resolution.
func readClock(tr *i18n.Printer, f *facts.Facts) clockReading {
	c := clockReading{maxSkew: time.Duration(f.Clock.MaxSkewMS) * time.Millisecond}
	if c.maxSkew <= 0 {
		c.maxSkew = 5 * time.Minute
	}
	for _, n := range f.Clock.NTP {
		ev := finding.Evidence{Subject: tr.Sprintf("NTP %s", n.Server), Facts: n}
		if n.State == facts.StepOK {
			off := msDuration(n.OffsetMS)
			c.sources = append(c.sources, clockSource{tr.Sprintf("NTP %s", n.Server), off})
			ev.Status, ev.Detail = finding.Pass, tr.Sprintf("offset %s, round trip %s, stratum %d", fmtOffset(tr, off), fmtMS(n.RTTMS), n.Stratum)
		} else {
			ev.Status, ev.Detail = finding.Skip, tr.Sprintf("no answer (%s): %s", n.Kind, stepError(tr, n.Step))
			c.failures = append(c.failures, tr.Sprintf("NTP %s gave no answer (%s)", n.Server, stepError(tr, n.Step)))
		}
		c.evidence = append(c.evidence, ev)
	}
	var https []time.Duration
	for _, e := range f.Endpoints {
		h := e.HTTP
		if h.ClockOffsetMS == nil {
			continue
		}
		off := msDuration(*h.ClockOffsetMS)
		https = append(https, off)
		c.evidence = append(c.evidence, finding.Evidence{Subject: tr.Sprintf("HTTPS Date %s", e.Endpoint.Address()), Status: finding.Pass,
			Detail: tr.Sprintf("offset %s ± %s (Date: %s)", fmtOffset(tr, off), fmtMS(h.UncertaintyMS), h.Date), Facts: h})
	}
	if len(https) > 0 {
		c.sources = append(c.sources, clockSource{tr.Sprintf("HTTPS Date of %d endpoint(s)", len(https)), median(https)})
	} else if len(f.Endpoints) > 0 {
		reached := 0
		for _, e := range f.Endpoints {
			if e.TLS.State == facts.StepOK {
				reached++
			}
		}
		if reached == 0 {
			c.failures = append(c.failures, tr.Sprintf("no endpoint could be reached over HTTPS to read its Date header"))
		} else {
			c.failures = append(c.failures, tr.Sprintf("none of the %d endpoints reached answered HEAD with a Date header", reached))
		}
	}
	if len(c.sources) == 0 {
		return c
	}
	var offs []time.Duration
	for _, s := range c.sources {
		offs = append(offs, s.offset)
	}
	sort.Slice(offs, func(i, j int) bool { return offs[i] < offs[j] })
	c.agree = offs[len(offs)-1]-offs[0] <= clockAgree
	c.offset = median(offs)
	return c
}

func msDuration(ms float64) time.Duration { return time.Duration(ms * float64(time.Millisecond)) }

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// fmtOffset says an offset the way people read it: "3h0m0s ahead".
func fmtOffset(tr *i18n.Printer, off time.Duration) string {
	// A positive offset means the source is ahead: this PC is behind.
	abs := time.Duration(math.Abs(float64(off))).Round(time.Second)
	switch {
	case abs < time.Second:
		return tr.Sprintf("%+.0f ms (in step)", float64(off)/float64(time.Millisecond))
	case off > 0:
		return tr.Sprintf("%s (this PC is behind)", abs)
	}
	return tr.Sprintf("%s (this PC is ahead)", abs)
}

// clockFixes are the steps and the actions the fix command can run
// (REFERENCE.md "Time": w32tm, MaxPos/NegPhaseCorrection).
func clockFixes(tr *i18n.Printer, off time.Duration) []string {
	fix := []string{
		tr.Sprintf("Open Settings > Time & language > Date & time (Win+R, then ms-settings:dateandtime), turn on \"Set time automatically\" and \"Set time zone automatically\", then press \"Sync now\"."),
		tr.Sprintf("Or as administrator: net start w32time, then w32tm /resync /force"),
	}
	if off > 15*time.Hour || off < -15*time.Hour {
		fix = append(fix, tr.Sprintf("The clock is more than 15 hours off: Windows refuses to correct that much by itself (MaxPosPhaseCorrection/MaxNegPhaseCorrection, 54,000 s). Set the date and time by hand first, then sync."))
	}
	return fix
}

func judgeClockOffset(f *facts.Facts, tr *i18n.Printer) finding.Finding {
	c := readClock(tr, f)
	if len(f.Clock.NTP) == 0 && len(f.Endpoints) == 0 {
		return finding.Finding{Status: finding.Skip, Summary: tr.Sprintf("Not checked.")}
	}
	if len(c.sources) == 0 {
		return finding.Finding{Status: finding.Skip, Evidence: c.evidence, Reason: "clock-no-source",
			Summary: tr.Sprintf("No time source answered, so the offset could not be measured: %s.", strings.Join(c.failures, "; "))}
	}
	var names []string
	for _, s := range c.sources {
		names = append(names, tr.Sprintf("%s says %s", s.name, fmtOffset(tr, s.offset)))
	}
	if !c.agree {
		return finding.Finding{Status: finding.Warn, Evidence: c.evidence, Reason: "clock-sources-disagree",
			Summary: tr.Sprintf("The time sources disagree: %s.", strings.Join(names, "; ")),
			Cause:   tr.Sprintf("The sources give different times, so qadoctor does not pick one. A proxy or filter that rewrites HTTP headers, or an NTP server of the network that is itself wrong, can do this."),
			Fix:     []string{tr.Sprintf("Compare with a phone's clock; ask the network team which NTP server the PC should use.")}}
	}
	abs := time.Duration(math.Abs(float64(c.offset)))
	summary := tr.Sprintf("The clock is %s, by %s.", fmtOffset(tr, c.offset), strings.Join(sourceNames(c.sources), tr.Sprintf(" and ")))
	switch {
	case abs > c.maxSkew:
		return finding.Finding{Status: finding.Fail, Evidence: c.evidence, Reason: "clock-offset",
			Summary: summary,
			Cause:   tr.Sprintf("This PC's clock is %s. Beyond %s, certificates look expired or not yet valid and Microsoft sign-in refuses the tokens, so Quick Assist cannot build its secure session.", fmtOffset(tr, c.offset), c.maxSkew),
			Fix:     clockFixes(tr, c.offset),
			Actions: []finding.Action{actionStartW32Time, actionResync}}
	case abs > clockWarn:
		return finding.Finding{Status: finding.Warn, Evidence: c.evidence, Reason: "clock-drift",
			Summary: summary,
			Cause:   tr.Sprintf("The clock is off by more than a minute; sign-in fails beyond %s.", c.maxSkew),
			Fix:     clockFixes(tr, c.offset)}
	}
	return finding.Finding{Status: finding.Pass, Evidence: c.evidence, Summary: summary}
}

func sourceNames(ss []clockSource) []string {
	var n []string
	for _, s := range ss {
		n = append(n, s.name)
	}
	return n
}
