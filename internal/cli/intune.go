package cli

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/qadoctor/qadoctor/internal/checks"
	"github.com/qadoctor/qadoctor/internal/elevate"
	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/fix"
)

// IntuneOutputLimit is what Intune shows of a script's output: 2,048
// characters (learn.microsoft.com/mem/intune/fundamentals/remediations).
const IntuneOutputLimit = 2048

// perUserChecks read the signed-in user's settings (HKCU, the user's
// packages and proxy). Run as SYSTEM they see SYSTEM's own profile.
var perUserChecks = []string{"os.inet", "net.proxy", "app.quickassist", "app.webview2"}

func newCmdIntune(d *Deps) *cobra.Command {
	tr := d.IO.Tr
	cmd := &cobra.Command{
		Use:   "intune",
		Short: tr.Sprintf("Run as an Intune Remediations detection or remediation script"),
		Long: tr.Sprintf(`intune detect and intune remediate follow Intune Remediations' conventions: one line of output,
at most 2,048 characters, naming what failed; detect exits 1 when remediation is needed and 0 when
the device is compliant; remediate applies only the repairs an admin approved (--allow), without
prompts, journaled, and exits 1 if a check still fails afterwards. Both work as SYSTEM: the checks
that read a user's settings (%s) then see SYSTEM's profile,
and the line says so.`, strings.Join(perUserChecks, ", ")),
		Args: usageArgs(cobra.NoArgs),
	}
	// Intune keeps standard error for failures: no progress there.
	detect := &DiagnoseOptions{IO: d.IO, Build: d.Build, Env: d.Env, Quiet: true}
	cmdDetect := &cobra.Command{
		Use:   "detect",
		Short: tr.Sprintf("Detection script: exit 1 when Quick Assist needs remediation, 0 when compliant"),
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runIntuneDetect(cmd.Context(), detect)
		},
	}
	addDiagnoseFlags(cmdDetect, detect)

	rem := &FixOptions{Diagnose: DiagnoseOptions{IO: d.IO, Build: d.Build, Env: d.Env, Quiet: true}, Deps: d.Fix, Now: d.Env.Now, Yes: true}
	var allow []string
	cmdRemediate := &cobra.Command{
		Use:   "remediate --allow IDS",
		Short: tr.Sprintf("Remediation script: apply the approved repairs, journaled, without prompts"),
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runIntuneRemediate(cmd.Context(), rem, allow)
		},
	}
	addDiagnoseFlags(cmdRemediate, &rem.Diagnose)
	cmdRemediate.Flags().StringSliceVar(&allow, "allow", nil, tr.Sprintf("the finding `IDS` whose repairs policy approves (comma-separated; required)"))
	cmdRemediate.Flags().StringVar(&rem.Journal, "journal", "", tr.Sprintf("keep the journal in `DIR`"))
	cmd.AddCommand(cmdDetect, cmdRemediate)
	return cmd
}

// addDiagnoseFlags gives a command diagnose's probing flags.
func addDiagnoseFlags(cmd *cobra.Command, o *DiagnoseOptions) {
	tr := o.IO.Tr
	f := cmd.Flags()
	f.StringVar(&o.ProfilePath, "profile", "", tr.Sprintf("use this profile `FILE` instead of the built-in one"))
	f.DurationVar(&o.Timeout, "timeout", DefaultTimeout, tr.Sprintf("deadline for the whole diagnosis"))
	f.StringSliceVar(&o.Only, "only", nil, tr.Sprintf("run only these check `IDS` (comma-separated)"))
	f.StringSliceVar(&o.Skip, "skip", nil, tr.Sprintf("skip these check `IDS` (comma-separated)"))
	f.StringVar(&o.CAFile, "ca-file", "", tr.Sprintf("also trust the certificates in this PEM `FILE`"))
	f.StringVar(&o.Proxy, "proxy", "", tr.Sprintf("send the traffic through this proxy `URL` (http://host:port), or direct; default: the system's"))
	f.BoolVarP(&o.Quiet, "quiet", "q", o.Quiet, tr.Sprintf("show no progress on standard error"))
}

func runIntuneDetect(ctx context.Context, opts *DiagnoseOptions) error {
	fs, err := diagnoseFindings(ctx, opts)
	if err != nil {
		return err
	}
	fmt.Fprintln(opts.IO.Out, IntuneLine("qadoctor "+opts.Build.Version, fs, elevate.IsSystem()))
	if anyFailed(fs) {
		return errFindingsFailed
	}
	return nil
}

func runIntuneRemediate(ctx context.Context, opts *FixOptions, allow []string) error {
	if len(allow) == 0 {
		return usageErrorf("intune remediate needs --allow IDS: the findings whose repairs policy approves (for example os.schannel,os.winhttp,clock.settings)")
	}
	if _, err := checks.Select(allow, nil); err != nil {
		return usageError{err: err}
	}
	before, err := diagnoseFindings(ctx, &opts.Diagnose)
	if err != nil {
		return err
	}
	w, werr := opts.Deps.writer()
	if werr != nil {
		w = nil
	}
	plan, err := fix.Plan(before, allow, w)
	if err != nil {
		return usageError{err: err}
	}
	io := opts.Diagnose.IO
	prefix := "qadoctor " + opts.Diagnose.Build.Version
	if len(plan) > 0 {
		if fix.NeedsAdmin(plan) && !opts.Deps.elevated() {
			fmt.Fprintln(io.Out, clip(prefix+": NOT REMEDIATED: needs administrator rights (run the script as SYSTEM)", IntuneOutputLimit))
			return notAppliedError{"remediation needs administrator rights"}
		}
		dir := opts.Journal
		if dir == "" {
			dir = defaultJournalDir()
		}
		j, err := fix.NewJournal(dir, prefix, nowOf(opts.Now), plan)
		if err != nil {
			return err
		}
		if err := fix.Apply(ctx, j, w, opts.Deps.runner()); err != nil {
			fmt.Fprintln(io.Out, clip(fmt.Sprintf("%s: REMEDIATION STOPPED: %v (journal %s)", prefix, err, j.Run), IntuneOutputLimit))
			return err
		}
		prefix += " remediated " + strings.Join(actionIDs(plan), ",") + " (journal " + j.Run + ");"
	}
	after, err := diagnoseFindings(ctx, &opts.Diagnose)
	if err != nil {
		return err
	}
	fmt.Fprintln(io.Out, IntuneLine(prefix, after, elevate.IsSystem()))
	if anyFailed(after) {
		return errFindingsFailed
	}
	return nil
}

func actionIDs(plan []fix.PlannedAction) []string {
	var ids []string
	for _, a := range plan {
		ids = append(ids, a.Action)
	}
	return ids
}

func anyFailed(fs []finding.Finding) bool {
	for _, f := range fs {
		if f.Status == finding.Fail {
			return true
		}
	}
	return false
}

// IntuneLine sums findings up in one line for the Intune console: failures
// first with their reasons, then warnings, cut to IntuneOutputLimit.
func IntuneLine(prefix string, fs []finding.Finding, asSystem bool) string {
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
	if asSystem {
		b.WriteString(" | as SYSTEM: " + strings.Join(perUserChecks, ",") + " saw SYSTEM's profile, not the user's")
	}
	return clip(b.String(), IntuneOutputLimit)
}

// clip cuts s to at most limit characters (runes, as Intune counts),
// marking the cut.
func clip(s string, limit int) string {
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	const mark = " …(cut)"
	r := []rune(s)
	return string(r[:limit-utf8.RuneCountInString(mark)]) + mark
}
