// Package intune speaks Intune Remediations' language: one line of output
// for the console, cut to what the console shows. What a detection or a
// remediation does is the cli's (intune detect, intune remediate); what it
// says is here.
package intune

import (
	"strings"
	"unicode/utf8"

	"github.com/qadoctor/qadoctor/internal/finding"
)

// OutputLimit is what Intune shows of a script's output: 2,048 characters
// (learn.microsoft.com/mem/intune/fundamentals/remediations).
const OutputLimit = 2048

// Line sums findings up in one line for the Intune console: failures
// first with their reasons, then warnings, then, when the run was SYSTEM's,
// which checks saw SYSTEM's profile rather than the user's (perUser), cut
// to OutputLimit.
func Line(prefix string, fs []finding.Finding, perUser []string) string {
	var fails, warns []string
	for _, f := range fs {
		item := f.ID
		if f.Reason != "" {
			item += "(" + f.Reason + ")"
		}
		switch f.Status {
		case finding.Fail:
			fails = append(fails, item)
		case finding.Warn:
			warns = append(warns, item)
		}
	}
	var b strings.Builder
	b.WriteString(prefix)
	if len(fails) == 0 {
		b.WriteString(" COMPLIANT")
	} else {
		b.WriteString(" FAIL " + strings.Join(fails, " "))
	}
	if len(warns) > 0 {
		b.WriteString(" | WARN " + strings.Join(warns, " "))
	}
	if len(perUser) > 0 {
		b.WriteString(" | as SYSTEM: " + strings.Join(perUser, ",") + " saw SYSTEM's profile, not the user's")
	}
	return Clip(b.String())
}

// Clip cuts s to OutputLimit characters (runes, as Intune counts), marking
// the cut.
func Clip(s string) string {
	if utf8.RuneCountInString(s) <= OutputLimit {
		return s
	}
	const mark = " …(cut)"
	r := []rune(s)
	return string(r[:OutputLimit-utf8.RuneCountInString(mark)]) + mark
}
