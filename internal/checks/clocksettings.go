package checks

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/winstate"
)

const titleClockSettings = "Windows sets the time and time zone automatically"

// Repairs the fix command can run for the clock (REFERENCE.md "Time").
// Registry changes are journaled and undone; commands only tell Windows.
var (
	actionAutoTime = finding.Action{
		ID:    "clock.auto-time-on",
		Title: "Turn on automatic time with time.windows.com (W32Time Type=NTP)",
		Registry: []finding.RegChange{
			{Key: winstate.KeyW32TimeParameters, Name: "Type", Type: "REG_SZ", Value: "NTP"},
			{Key: winstate.KeyW32TimeParameters, Name: "NtpServer", Type: "REG_SZ", Value: "time.windows.com,0x9"},
		},
		Commands: [][]string{{"w32tm", "/config", "/update"}},
		Admin:    true,
	}
	actionStartW32Time = finding.Action{
		ID:       "clock.start-w32time",
		Title:    "Start the Windows Time service, and start it automatically",
		Registry: []finding.RegChange{{Key: winstate.KeyW32Time, Name: "Start", Type: "REG_DWORD", Value: "2"}},
		Commands: [][]string{{"net", "start", "w32time"}},
		Admin:    true,
	}
	actionResync = finding.Action{
		ID:       "clock.resync",
		Title:    "Synchronise the clock now",
		Commands: [][]string{{"w32tm", "/resync", "/force"}},
		Admin:    true,
	}
	actionTimedatectlNTP = finding.Action{
		ID:       "clock.timedatectl-ntp-on",
		Title:    "Turn on NTP synchronisation (systemd-timesyncd)",
		Commands: [][]string{{"timedatectl", "set-ntp", "true"}},
		Admin:    true,
	}
)

// clockWrong reports whether the clock was measured beyond the maximum skew.
func clockWrong(f *facts.Facts) (bool, clockReading) {
	c := readClock(f)
	return len(c.sources) > 0 && c.agree && math.Abs(float64(c.offset)) > float64(c.maxSkew), c
}

func judgeClockSettings(f *facts.Facts) finding.Finding {
	switch {
	case f.System.State == facts.SystemRead:
		return judgeW32Time(f)
	case f.Clock.Settings.State == facts.ClockSettingsRead:
		return judgeTimedatectl(f)
	case f.Clock.Settings.Error != "":
		return finding.Finding{Status: finding.Skip, Summary: "Not Windows, and " + f.Clock.Settings.Error + "."}
	}
	return finding.Finding{Status: finding.Skip, Summary: "Not checked: no Windows time settings or timedatectl here."}
}

func judgeW32Time(f *facts.Facts) finding.Finding {
	s := f.System
	polType, polRV := regString(s, winstate.KeyW32TimePolicy, "Type")
	svcType, svcRV := regString(s, winstate.KeyW32TimeParameters, "Type")
	if polRV.State == facts.ValueUnknown && svcRV.State == facts.ValueUnknown {
		return uncovered(winstate.KeyW32TimeParameters)
	}
	// Policy values win over the service's own (REFERENCE.md "Time").
	typ, typFrom := svcType, "service"
	if polRV.State == facts.ValueSet {
		typ, typFrom = polType, "policy"
	}
	server, _ := regString(s, winstate.KeyW32TimeParameters, "NtpServer")
	if p, rv := regString(s, winstate.KeyW32TimePolicy, "NtpServer"); rv.State == facts.ValueSet {
		server = p + " (policy)"
	}
	start, startRV, startSet := regNumber(s, winstate.KeyW32Time, "Start")
	tz, tzRV, tzSet := regNumber(s, winstate.KeyTZAutoUpdate, "Start")
	zone, _ := regString(s, winstate.KeyTimeZone, "TimeZoneKeyName")

	wrong, clock := clockWrong(f)
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

	typeDetail := fmt.Sprintf("Type=%s (from the %s)", typ, typFrom)
	switch strings.ToUpper(typ) {
	case "NOSYNC":
		add(winstate.KeyW32TimeParameters+` Type`, bad, typeDetail+": \"Set time automatically\" is off", []facts.RegValue{polRV, svcRV})
		problems = append(problems, "\"Set time automatically\" is off (W32Time Type=NoSync)")
		actions = append(actions, actionAutoTime)
	case "":
		add(winstate.KeyW32TimeParameters+` Type`, finding.Pass, "Type not set: Windows' default (NTP, or NT5DS in a domain)", []facts.RegValue{polRV, svcRV})
	default:
		add(winstate.KeyW32TimeParameters+` Type`, finding.Pass, typeDetail+": automatic", []facts.RegValue{polRV, svcRV})
	}
	if server != "" {
		add(winstate.KeyW32TimeParameters+` NtpServer`, finding.Pass, "NtpServer="+server, nil)
	}
	switch {
	case startSet && start == 4:
		add(winstate.KeyW32Time+` Start`, bad, "Start=4: the Windows Time service is disabled", startRV)
		problems = append(problems, "the Windows Time service is disabled")
		actions = append(actions, actionStartW32Time)
	case startSet:
		add(winstate.KeyW32Time+` Start`, finding.Pass, fmt.Sprintf("Start=%d (2 automatic, 3 manual or on trigger)", start), startRV)
	}
	for _, svc := range s.Services {
		if strings.EqualFold(svc.Name, "W32Time") {
			add("service W32Time", finding.Pass, "state: "+svc.State, svc)
		}
	}
	switch {
	case tzSet && tz == 4:
		add(winstate.KeyTZAutoUpdate+` Start`, finding.Pass, "Start=4: \"Set time zone automatically\" is off; the time zone is set by hand", tzRV)
	case tzSet && tz == 3:
		add(winstate.KeyTZAutoUpdate+` Start`, finding.Pass, "Start=3: \"Set time zone automatically\" is on", tzRV)
	}
	if zone != "" {
		add(winstate.KeyTimeZone+` TimeZoneKeyName`, finding.Pass, "time zone: "+zone, nil)
	}

	if wrong {
		actions = append(actions, actionResync)
		if limit, ok := phaseLimit(s, clock.offset); ok {
			problems = append(problems, fmt.Sprintf("the clock is %s, more than W32Time will correct by itself (%s): set the date by hand first", fmtOffset(clock.offset), limit))
		}
	}
	fd := finding.Finding{Evidence: ev, Actions: actions}
	if len(problems) == 0 {
		fd.Status = finding.Pass
		fd.Summary = "Windows keeps the time automatically (" + strings.TrimPrefix(typeDetail, "Type=") + ")."
		if wrong {
			fd.Status = finding.Warn
			fd.Reason = "clock-wrong-despite-settings"
			fd.Summary = "Automatic time is on, yet the clock is " + fmtOffset(clock.offset) + "."
			fd.Cause = "Windows cannot reach its time server, or the correction is larger than it will apply."
			fd.Fix = clockFixes(clock.offset)
		}
		return fd
	}
	fd.Status = finding.Worst(bad)
	fd.Reason = "clock-settings"
	fd.Summary = strings.ToUpper(problems[0][:1]) + problems[0][1:] + "."
	fd.Cause = "Windows cannot keep the clock right: " + strings.Join(problems, "; ") + "."
	if wrong {
		fd.Cause += " That is why the clock is " + fmtOffset(clock.offset) + "."
	}
	fd.Fix = clockFixes(clock.offset)
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

func judgeTimedatectl(f *facts.Facts) finding.Finding {
	v := f.Clock.Settings.Values
	ev := []finding.Evidence{{Subject: "timedatectl show", Status: finding.Pass,
		Detail: fmt.Sprintf("NTP=%s NTPSynchronized=%s Timezone=%s", v["NTP"], v["NTPSynchronized"], v["Timezone"]), Facts: v}}
	wrong, _ := clockWrong(f)
	bad := finding.Warn
	if wrong {
		bad = finding.Fail
	}
	switch {
	case v["NTP"] == "no":
		ev[0].Status = bad
		return finding.Finding{Status: bad, Reason: "clock-settings", Evidence: ev,
			Summary: "Automatic time synchronisation is off (timedatectl: NTP=no).",
			Cause:   "Nothing keeps this machine's clock right.",
			Fix:     []string{"Run: sudo timedatectl set-ntp true"},
			Actions: []finding.Action{actionTimedatectlNTP}}
	case v["NTPSynchronized"] == "no":
		ev[0].Status = finding.Warn
		return finding.Finding{Status: finding.Warn, Reason: "clock-unsynchronized", Evidence: ev,
			Summary: "Automatic time is on but the clock is not synchronised yet (timedatectl: NTPSynchronized=no).",
			Cause:   "The time service cannot reach its servers (UDP port 123 blocked?) or has only just started.",
			Fix:     []string{"Check the time service: timedatectl timesync-status"}}
	}
	return finding.Finding{Status: finding.Pass, Evidence: ev, Summary: "The clock is synchronised automatically (timedatectl), time zone " + v["Timezone"] + "."}
}
