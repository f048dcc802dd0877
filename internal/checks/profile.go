package checks

import (
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/i18n"
	"github.com/qadoctor/qadoctor/internal/profile"
)

var titleProfileAge = i18n.Key("The endpoint list is less than a year old")

// judgeProfileAge says how current the endpoint list the run was measured
// against is: Microsoft adds and moves hosts (the trouter domains rolled
// out in 2026), and a pass against an old list may miss a host an
// allow-list lacks.
func judgeProfileAge(f *facts.Facts, tr *i18n.Printer) finding.Finding {
	p := f.Profile
	reviewed, err := time.Parse(time.DateOnly, p.Reviewed)
	if err != nil {
		reviewed, err = time.Parse(time.DateOnly, p.Date)
	}
	if err != nil {
		return finding.Finding{Status: finding.Skip, Summary: tr.Sprintf("The profile %s gives no date, so its age is unknown.", p.Version)}
	}
	age := f.Started.Sub(reviewed)
	days := int(age.Hours() / 24)
	day := reviewed.Format(time.DateOnly)
	if age <= profile.MaxProfileAge {
		return finding.Finding{Status: finding.Pass, Summary: tr.Sprintf("Endpoint list %s, checked against Microsoft's pages on %s (%d days before this run).", p.Version, day, max(days, 0))}
	}
	return finding.Finding{
		Status:  finding.Warn,
		Reason:  "profile-stale",
		Summary: tr.Sprintf("Endpoint list %s was last checked against Microsoft's pages on %s, %d months before this run.", p.Version, day, days/30),
		Cause:   tr.Sprintf("Microsoft adds and moves the hosts behind Quick Assist (in 2026 it began moving the notification hosts of Remote Help, which runs on the same service, to new domains). A pass against a list this old can miss a host that the network's allow-list lacks."),
		Fix: []string{
			tr.Sprintf("Use the newest qadoctor: its built-in list is checked against Microsoft's pages for each release."),
			tr.Sprintf("Or give a current list with --profile (qadoctor profile show prints the built-in one to start from)."),
		},
	}
}
