package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/qadoctor/qadoctor/internal/checks"
	"github.com/qadoctor/qadoctor/internal/elevate"
	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/fix"
	"github.com/qadoctor/qadoctor/internal/intune"
)

func newCmdIntune(d *Deps) *cobra.Command {
	tr := d.IO.Tr
	cmd := &cobra.Command{
		Use:   "intune",
		Short: tr.Sprintf("Run as an Intune Remediations detection or remediation script"),
		Long: tr.Sprintf(`intune detect and intune remediate follow Intune Remediations' conventions: one line of output,
at most 2,048 characters, naming what failed; detect exits 1 only when the approved repairs (--allow)
can change something, so Intune runs the remediation only then (--strict: any failed check); remediate
applies only the approved repairs, without prompts, journaled, and exits 1 if they did not take. Both work as SYSTEM: the checks
that read a user's settings (%s) then see SYSTEM's profile,
and the line says so.`, strings.Join(checks.PerUserIDs(), ", ")),
		Args: usageArgs(cobra.NoArgs),
	}
	// Intune keeps standard error for failures: no progress there.
	detect := &DetectOptions{Diagnose: DiagnoseOptions{IO: d.IO, Build: d.Build, Env: d.Env, Quiet: true}, Deps: d.Fix}
	cmdDetect := &cobra.Command{
		Use:   "detect [--allow IDS]",
		Short: tr.Sprintf("Detection script: exit 1 when the approved repairs can change something, 0 otherwise"),
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runIntuneDetect(cmd.Context(), detect)
		},
	}
	addDiagnoseFlags(cmdDetect, &detect.Diagnose)
	cmdDetect.Flags().StringSliceVar(&detect.Allow, "allow", nil, tr.Sprintf("the finding `IDS` whose repairs the remediation applies (default: every repair qadoctor has)"))
	cmdDetect.Flags().BoolVar(&detect.Strict, "strict", false, tr.Sprintf("exit 1 for any failed check, for a reporting-only deployment"))

	rem := &RemediateOptions{Fix: FixOptions{Diagnose: DiagnoseOptions{IO: d.IO, Build: d.Build, Env: d.Env, Quiet: true}, Deps: d.Fix, Now: d.Env.Now, Yes: true}}
	cmdRemediate := &cobra.Command{
		Use:   "remediate --allow IDS",
		Short: tr.Sprintf("Remediation script: apply the approved repairs, journaled, without prompts"),
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runIntuneRemediate(cmd.Context(), rem)
		},
	}
	addDiagnoseFlags(cmdRemediate, &rem.Fix.Diagnose)
	cmdRemediate.Flags().StringSliceVar(&rem.Allow, "allow", nil, tr.Sprintf("the finding `IDS` whose repairs policy approves (comma-separated; required)"))
	cmdRemediate.Flags().StringVar(&rem.Fix.Journal, "journal", "", tr.Sprintf("keep the journal in `DIR`"))
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
	f.StringVar(&o.PAC, "pac", "", tr.Sprintf("decide each endpoint's way with this proxy auto-config script (a `URL` or a file) instead of the system's settings"))
	f.BoolVarP(&o.Quiet, "quiet", "q", o.Quiet, tr.Sprintf("show no progress on standard error"))
	addSinceFlag(cmd, &o.Since, tr)
	addNoBrowserFlag(cmd, &o.NoBrowser, tr)
}

// asSystem lists the checks that saw SYSTEM's profile, when this process
// runs as SYSTEM (as Intune runs scripts); nil otherwise.
func asSystem() []string {
	if elevate.IsSystem() {
		return checks.PerUserIDs()
	}
	return nil
}

// DetectOptions are intune detect's flags and dependencies.
type DetectOptions struct {
	Diagnose DiagnoseOptions
	Deps     FixDeps // read only: what the approved repairs would change
	Allow    []string
	Strict   bool // any failed check is "remediation needed"
}

// runIntuneDetect exits 1 (Intune then runs the remediation) only when the
// approved repairs would change something: a failure no repair can fix
// (offline DNS, Quick Assist missing) is named in the line, with exit 0,
// so the remediation does not run and fail every day. --strict restores
// "any failed check".
func runIntuneDetect(ctx context.Context, opts *DetectOptions) error {
	if len(opts.Allow) > 0 {
		if _, err := selectChecks(opts.Allow, nil); err != nil {
			return err
		}
	}
	rp := newRepairs(&FixOptions{Diagnose: opts.Diagnose, Deps: opts.Deps})
	fs, plan, err := rp.plan(ctx, opts.Allow)
	if err != nil {
		return err
	}
	prefix := rp.tool
	if len(plan) > 0 {
		prefix += " REMEDIATE " + strings.Join(actionIDs(plan), ",") + ";"
	}
	fmt.Fprintln(opts.Diagnose.IO.Out, intune.Line(prefix, fs, asSystem()))
	if len(plan) > 0 || opts.Strict && anyFailed(fs) {
		return errFindingsFailed
	}
	return nil
}

// RemediateOptions are intune remediate's flags and dependencies: fix's,
// always consenting, and the IDs whose repairs policy approves.
type RemediateOptions struct {
	Fix   FixOptions
	Allow []string
}

func runIntuneRemediate(ctx context.Context, opts *RemediateOptions) error {
	if len(opts.Allow) == 0 {
		return usageErrorf("intune remediate needs --allow IDS: the findings whose repairs policy approves (for example os.schannel,os.winhttp,clock.settings)")
	}
	if _, err := selectChecks(opts.Allow, nil); err != nil {
		return err
	}
	io := opts.Fix.Diagnose.IO
	rp := newRepairs(&opts.Fix)
	_, plan, err := rp.plan(ctx, opts.Allow)
	if err != nil {
		return err
	}
	prefix := rp.tool
	if len(plan) > 0 {
		j, err := rp.apply(ctx, plan)
		switch {
		case err == errNeedsAdmin:
			fmt.Fprintln(io.Out, intune.Clip(prefix+": NOT REMEDIATED: needs administrator rights (run the script as SYSTEM)"))
			return err
		case err != nil && j != nil:
			fmt.Fprintln(io.Out, intune.Clip(fmt.Sprintf("%s: REMEDIATION STOPPED: %v (journal %s)", prefix, err, j.Run)))
			return err
		case err != nil:
			return err
		}
		prefix += " remediated " + strings.Join(actionIDs(plan), ",") + " (journal " + j.Run + ");"
	}
	after, err := rp.recheck(ctx, nil)
	if err != nil {
		return err
	}
	// The remediation worked when the approved repairs have nothing left to
	// change (as detect would then find); failures no repair can fix are
	// named, not failed. A repair that takes effect at the next start says
	// so, and still succeeds.
	again, err := fix.Plan(after, opts.Allow, rp.w)
	if err != nil {
		return usageError{err: err}
	}
	if len(plan) > 0 && needsRestart(plan) {
		prefix += " RESTART NEEDED;"
	}
	if len(again) > 0 {
		prefix += " NOT REMEDIATED " + strings.Join(actionIDs(again), ",") + ";"
	}
	fmt.Fprintln(io.Out, intune.Line(prefix, after, asSystem()))
	if len(again) > 0 {
		return errFindingsFailed
	}
	return nil
}

func needsRestart(plan []fix.PlannedAction) bool {
	for _, a := range plan {
		if a.Restart {
			return true
		}
	}
	return false
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
