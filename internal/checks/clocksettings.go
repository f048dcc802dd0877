package checks

import (
	"math"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/i18n"
	"github.com/qadoctor/qadoctor/internal/winstate"
)

var titleClockSettings = i18n.Key("Windows sets the time and time zone automatically")

// Repairs the fix command can run for the clock (REFERENCE.md "Time").
// Registry changes are journaled and undone; commands only tell Windows.
var (
	actionAutoTime = finding.Action{
		ID:    "clock.auto-time-on",
		Title: i18n.Key("Turn on automatic time with time.windows.com (W32Time Type=NTP)"),
		Registry: []finding.RegChange{
			{Key: winstate.KeyW32TimeParameters, Name: "Type", Type: "REG_SZ", Value: "NTP"},
			{Key: winstate.KeyW32TimeParameters, Name: "NtpServer", Type: "REG_SZ", Value: "time.windows.com,0x9"},
		},
		Commands: [][]string{{"w32tm", "/config", "/update"}},
		Admin:    true,
	}
	actionStartW32Time = finding.Action{
		ID:       "clock.start-w32time",
		Title:    i18n.Key("Start the Windows Time service, and start it automatically"),
		Registry: []finding.RegChange{{Key: winstate.KeyW32Time, Name: "Start", Type: "REG_DWORD", Value: "2"}},
		Commands: [][]string{{"net", "start", "w32time"}},
		Admin:    true,
	}
	actionResync = finding.Action{
		ID:       "clock.resync",
		Title:    i18n.Key("Synchronise the clock now"),
		Commands: [][]string{{"w32tm", "/resync", "/force"}},
		Admin:    true,
	}
	actionTimedatectlNTP = finding.Action{
		ID:       "clock.timedatectl-ntp-on",
		Title:    i18n.Key("Turn on NTP synchronisation (systemd-timesyncd)"),
		Commands: [][]string{{"timedatectl", "set-ntp", "true"}},
		Admin:    true,
	}
)

// clockWrong reports whether the clock was measured beyond the maximum skew.
func clockWrong(tr *i18n.Printer, f *facts.Facts) (bool, clockReading) {
	c := readClock(tr, f)
	return len(c.sources) > 0 && c.agree && math.Abs(float64(c.offset)) > float64(c.maxSkew), c
}

func judgeClockSettings(f *facts.Facts, tr *i18n.Printer) finding.Finding {
	switch {
	case f.System.State == facts.SystemRead:
		return judgeW32Time(f, tr)
	case f.Clock.Settings.State == facts.ClockSettingsRead:
		return judgeTimedatectl(f, tr)
	case f.Clock.Settings.Problem == facts.ClockNotInstalled:
		return finding.Finding{Status: finding.Skip, Summary: tr.Sprintf("Not Windows, and timedatectl is not installed.")}
	case f.Clock.Settings.Problem == facts.ClockToolFailed:
		return finding.Finding{Status: finding.Skip, Summary: tr.Sprintf("Not Windows, and timedatectl show failed: %s.", f.Clock.Settings.Error)}
	case f.Clock.Settings.CutOff:
		return finding.Finding{Status: finding.Skip, Summary: tr.Sprintf("Not checked: reading the time settings did not finish before the run's deadline.")}
	}
	return finding.Finding{Status: finding.Skip, Summary: tr.Sprintf("Not checked: no Windows time settings or timedatectl here.")}
}

// w32timeTypes are the values of W32Time's Type that Windows knows, as
// Microsoft documents them ("Windows Time service tools and settings",
// Parameters entries, Type: NoSync, NTP, NT5DS, AllSync;
// learn.microsoft.com/windows-server/networking/windows-time-service/windows-time-service-tools-and-settings).
var w32timeTypes = []string{"NTP", "NT5DS", "AllSync", "NoSync"}

// w32timeType reads a set Type value as the time service does: a string
// (REG_SZ, or REG_EXPAND_SZ, which the registry API hands over expanded
// as REG_SZ) equal to one of w32timeTypes, compared without ASCII case
// and with nothing trimmed. Microsoft's page does not say how the value
// is compared; w32time.dll compares it with _wcsicmp (C locale: ASCII
// letters only), so "ntp" is NTP but "NTP " and "Noſync" are not. It
// returns the documented spelling, or ok false when Windows does not know
// the value (isString false: it is not a string at all).
func w32timeType(rv facts.RegValue) (name string, isString, ok bool) {
	v, set := winstate.FromFact(rv)
	if !set || (v.Type != winstate.TypeSZ && v.Type != winstate.TypeExpandSZ) {
		return "", false, false
	}
	s := v.String()
	for _, t := range w32timeTypes {
		if equalFoldASCII(s, t) {
			return t, true, true
		}
	}
	return "", true, false
}

// equalFoldASCII compares as _wcsicmp does in the C locale: only A-Z and
// a-z fold, unlike strings.EqualFold, which folds ſ to s and K to k.
func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

func judgeW32Time(f *facts.Facts, tr *i18n.Printer) finding.Finding {
	s := f.System
	polType, polRV := regString(s, winstate.KeyW32TimePolicy, "Type")
	svcType, svcRV := regString(s, winstate.KeyW32TimeParameters, "Type")
	if polRV.State == facts.ValueUnknown && svcRV.State == facts.ValueUnknown {
		return uncovered(tr, winstate.KeyW32TimeParameters)
	}
	// Policy values win over the service's own (REFERENCE.md "Time").
	typ, typRV, typFrom := svcType, svcRV, tr.Sprintf("service")
	if polRV.State == facts.ValueSet {
		typ, typRV, typFrom = polType, polRV, tr.Sprintf("policy")
	}
	switch typRV.State {
	case facts.ValueUnknown:
		// No policy, and the export leaves the service's own Type out:
		// which Type is in effect is not known.
		return uncovered(tr, winstate.KeyW32TimeParameters)
	case facts.ValueError:
		return finding.Finding{Status: finding.Skip, Summary: tr.Sprintf("Could not read W32Time's Type (from the %s): %s.", typFrom, typRV.Error),
			Evidence: []finding.Evidence{{Subject: winstate.KeyW32TimeParameters + ` Type`, Status: finding.Skip, Detail: describe(tr, typRV), Facts: []facts.RegValue{polRV, svcRV}}}}
	}
	server, _ := regString(s, winstate.KeyW32TimeParameters, "NtpServer")
	if p, rv := regString(s, winstate.KeyW32TimePolicy, "NtpServer"); rv.State == facts.ValueSet {
		server = tr.Sprintf("%s (policy)", p)
	}
	start, startRV, startSet := regNumber(s, winstate.KeyW32Time, "Start")
	tz, tzRV, tzSet := regNumber(s, winstate.KeyTZAutoUpdate, "Start")
	zone, _ := regString(s, winstate.KeyTimeZone, "TimeZoneKeyName")

	wrong, clock := clockWrong(tr, f)
	bad := finding.Warn
	if wrong {
		bad = finding.Fail // the setting explains a clock that is measurably wrong
	}
	var ev []finding.Evidence
	var problems []string
	var actions []finding.Action
	add := func(subject string, st finding.Status, detail string, raw any) {
		ev = append(ev, finding.Evidence{Subject: subject, Status: st, Detail: detail, Facts: raw})
	}

	typeDetail := tr.Sprintf("Type=%s (from the %s)", typ, typFrom)
	known, isString, typeOK := w32timeType(typRV)
	typeRVs := []facts.RegValue{polRV, svcRV}
	switch {
	case typRV.State != facts.ValueSet:
		// Not set: the service's default.
		add(winstate.KeyW32TimeParameters+` Type`, finding.Pass, tr.Sprintf("Type not set: Windows' default (NTP, or NT5DS in a domain)"), typeRVs)
	case !isString:
		// W32Time reads Type as text; a number or binary data names no
		// time source, so automatic time is not known to be on.
		add(winstate.KeyW32TimeParameters+` Type`, bad, tr.Sprintf("Type is a %s (from the %s), not text: the time service reads Type only as a string (REG_SZ)", typRV.Type, typFrom), typeRVs)
		problems = append(problems, tr.Sprintf("W32Time Type is a %s, not one of the names Windows knows (NTP, NT5DS, AllSync, NoSync), so the time may not be set automatically", typRV.Type))
		actions = append(actions, actionAutoTime)
	case !typeOK:
		add(winstate.KeyW32TimeParameters+` Type`, bad, tr.Sprintf("Type=%q (from the %s): not a value Windows knows (NTP, NT5DS, AllSync, NoSync)", typ, typFrom), typeRVs)
		problems = append(problems, tr.Sprintf("W32Time Type=%q, which Windows does not know (it knows NTP, NT5DS, AllSync and NoSync), so the time may not be set automatically", typ))
		actions = append(actions, actionAutoTime)
	case known == "NoSync":
		add(winstate.KeyW32TimeParameters+` Type`, bad, tr.Sprintf("%s: \"Set time automatically\" is off", typeDetail), typeRVs)
		problems = append(problems, tr.Sprintf("\"Set time automatically\" is off (W32Time Type=NoSync)"))
		actions = append(actions, actionAutoTime)
	default:
		add(winstate.KeyW32TimeParameters+` Type`, finding.Pass, tr.Sprintf("%s: automatic", typeDetail), typeRVs)
	}
	if server != "" {
		add(winstate.KeyW32TimeParameters+` NtpServer`, finding.Pass, tr.Sprintf("NtpServer=%s", server), nil)
	}
	switch {
	case startSet && start == 4:
		add(winstate.KeyW32Time+` Start`, bad, tr.Sprintf("Start=4: the Windows Time service is disabled"), startRV)
		problems = append(problems, tr.Sprintf("the Windows Time service is disabled"))
		actions = append(actions, actionStartW32Time)
	case startSet:
		add(winstate.KeyW32Time+` Start`, finding.Pass, tr.Sprintf("Start=%d (2 automatic, 3 manual or on trigger)", start), startRV)
	}
	for _, svc := range s.Services {
		if strings.EqualFold(svc.Name, "W32Time") {
			add(tr.Sprintf("service W32Time"), finding.Pass, tr.Sprintf("state: %s", svc.State), svc)
		}
	}
	switch {
	case tzSet && tz == 4:
		add(winstate.KeyTZAutoUpdate+` Start`, finding.Pass, tr.Sprintf("Start=4: \"Set time zone automatically\" is off; the time zone is set by hand"), tzRV)
	case tzSet && tz == 3:
		add(winstate.KeyTZAutoUpdate+` Start`, finding.Pass, tr.Sprintf("Start=3: \"Set time zone automatically\" is on"), tzRV)
	}
	if zone != "" {
		add(winstate.KeyTimeZone+` TimeZoneKeyName`, finding.Pass, tr.Sprintf("time zone: %s", zone), nil)
	}

	if wrong {
		actions = append(actions, actionResync)
		if limit, ok := phaseLimit(s, clock.offset); ok {
			problems = append(problems, tr.Sprintf("the clock is %s, more than W32Time will correct by itself (%s): set the date by hand first", fmtOffset(tr, clock.offset), limit))
		}
	}
	fd := finding.Finding{Evidence: ev, Actions: actions}
	if len(problems) == 0 {
		fd.Status = finding.Pass
		fd.Summary = tr.Sprintf("Windows keeps the time automatically (%s from the %s).", typ, typFrom)
		if typRV.State != facts.ValueSet {
			fd.Summary = tr.Sprintf("Windows keeps the time automatically (Type is not set: the time service's default).")
		}
		if wrong {
			fd.Status = finding.Warn
			fd.Reason = "clock-wrong-despite-settings"
			fd.Summary = tr.Sprintf("Automatic time is on, yet the clock is %s.", fmtOffset(tr, clock.offset))
			fd.Cause = tr.Sprintf("Windows cannot reach its time server, or the correction is larger than it will apply.")
			fd.Fix = clockFixes(tr, clock.offset)
		}
		return fd
	}
	fd.Status = finding.Worst(bad)
	fd.Reason = "clock-settings"
	r, n := utf8.DecodeRuneInString(problems[0])
	fd.Summary = tr.Sprintf("%s.", string(unicode.ToUpper(r))+problems[0][n:])
	fd.Cause = tr.Sprintf("Windows cannot keep the clock right: %s.", strings.Join(problems, "; "))
	if wrong {
		fd.Cause += tr.Sprintf(" That is why the clock is %s.", fmtOffset(tr, clock.offset))
	}
	fd.Fix = clockFixes(tr, clock.offset)
	return fd
}

// phaseLimit returns the correction limit the offset exceeds: stand-alone
// machines do not apply corrections above MaxPos/NegPhaseCorrection
// (default 54,000 s = 15 h; REFERENCE.md "Time").
func phaseLimit(s facts.System, off time.Duration) (time.Duration, bool) {
	name := "MaxPosPhaseCorrection" // the PC is behind: a positive correction
	if off < 0 {
		name = "MaxNegPhaseCorrection"
	}
	limit := 54000 * time.Second
	if n, _, ok := regNumber(s, winstate.KeyW32TimeConfig, name); ok && n != 0xFFFFFFFF {
		limit = time.Duration(n) * time.Second
	}
	return limit, math.Abs(float64(off)) > float64(limit)
}

func judgeTimedatectl(f *facts.Facts, tr *i18n.Printer) finding.Finding {
	v := f.Clock.Settings.Values
	ev := []finding.Evidence{{Subject: tr.Sprintf("timedatectl show"), Status: finding.Pass,
		Detail: tr.Sprintf("NTP=%s NTPSynchronized=%s Timezone=%s", v["NTP"], v["NTPSynchronized"], v["Timezone"]), Facts: v}}
	wrong, _ := clockWrong(tr, f)
	bad := finding.Warn
	if wrong {
		bad = finding.Fail
	}
	switch {
	case v["NTP"] == "no":
		ev[0].Status = bad
		return finding.Finding{Status: bad, Reason: "clock-settings", Evidence: ev,
			Summary: tr.Sprintf("Automatic time synchronisation is off (timedatectl: NTP=no)."),
			Cause:   tr.Sprintf("Nothing keeps this machine's clock right."),
			Fix:     []string{tr.Sprintf("Run: sudo timedatectl set-ntp true")},
			Actions: []finding.Action{actionTimedatectlNTP}}
	case v["NTPSynchronized"] == "no":
		ev[0].Status = finding.Warn
		return finding.Finding{Status: finding.Warn, Reason: "clock-unsynchronized", Evidence: ev,
			Summary: tr.Sprintf("Automatic time is on but the clock is not synchronised yet (timedatectl: NTPSynchronized=no)."),
			Cause:   tr.Sprintf("The time service cannot reach its servers (UDP port 123 blocked?) or has only just started."),
			Fix:     []string{tr.Sprintf("Check the time service: timedatectl timesync-status")}}
	}
	return finding.Finding{Status: finding.Pass, Evidence: ev, Summary: tr.Sprintf("The clock is synchronised automatically (timedatectl), time zone %s.", v["Timezone"])}
}
