package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/qadoctor/qadoctor/internal/checks"
	"github.com/qadoctor/qadoctor/internal/elevate"
	"github.com/qadoctor/qadoctor/internal/escape"
	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/fix"
	"github.com/qadoctor/qadoctor/internal/winstate"
)

// FixDeps are the seams fix and undo change the machine through; nil
// fields mean the real ones.
type FixDeps struct {
	Writer   func() (winstate.Writer, error) // the registry to change
	Runner   fix.Runner                      // runs the actions' commands
	Elevated func() bool                     // administrator rights
}

func (d FixDeps) writer() (winstate.Writer, error) {
	if d.Writer != nil {
		return d.Writer()
	}
	return winstate.LiveWriter()
}

func (d FixDeps) runner() fix.Runner {
	if d.Runner != nil {
		return d.Runner
	}
	return fix.ExecRunner{}
}

func (d FixDeps) elevated() bool {
	if d.Elevated != nil {
		return d.Elevated()
	}
	return elevate.IsElevated()
}

// defaultJournalDir is where fix keeps its journals: %ProgramData%\qadoctor
// on Windows (machine-wide, surviving the user), the user's state folder
// elsewhere.
func defaultJournalDir() string {
	if runtime.GOOS == "windows" {
		base := os.Getenv("ProgramData")
		if base == "" {
			base = `C:\ProgramData`
		}
		return filepath.Join(base, "qadoctor", "journal")
	}
	if s := os.Getenv("XDG_STATE_HOME"); s != "" {
		return filepath.Join(s, "qadoctor", "journal")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".local", "state", "qadoctor", "journal")
}

// FixOptions are fix's flags and dependencies.
type FixOptions struct {
	Diagnose DiagnoseOptions
	Deps     FixDeps
	DryRun   bool
	Yes      bool
	Journal  string
	Export   string // "", "ps1" or "reg"
	App      string // "", "reset" or "reinstall": the guide's app repairs, asked for by name
	Output   string
	Now      func() time.Time
}

func newCmdFix(d *Deps) *cobra.Command {
	tr := d.IO.Tr
	opts := &FixOptions{Diagnose: DiagnoseOptions{IO: d.IO, Build: d.Build, Env: d.Env}, Deps: d.Fix, Now: d.Env.Now}
	cmd := &cobra.Command{
		Use:   "fix",
		Short: tr.Sprintf("Repair what diagnose found, with consent, a journal and an undo"),
		Long: tr.Sprintf(`fix runs the diagnosis, builds a plan of safe repairs for what failed (registry values Microsoft
documents for TLS 1.2 and 1.3, automatic time, reinstalling Quick Assist), shows every change from
what to what, and applies it only with consent: --yes, or an answer at a terminal. Before each
registry change the prior value (absent ones too) is written to a journal; qadoctor undo restores it.
What a tool must not change silently (a corporate proxy or VPN, a domain's FIPS or cipher policy)
stays an instruction in the report.

Exit codes: 0 applied and the repaired checks pass (or nothing to do), 1 a check still fails,
2 usage or bad input, 3 internal error, 4 nothing applied (no consent, or not run as administrator).`),
		Example: `  qadoctor fix --dry-run
  qadoctor fix --yes --only os.schannel,os.winhttp
  qadoctor fix --export ps1 -o repair.ps1
  qadoctor undo`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return runFix(cmd.Context(), opts) },
	}
	f := cmd.Flags()
	f.BoolVar(&opts.DryRun, "dry-run", false, tr.Sprintf("show the plan, change nothing"))
	f.BoolVar(&opts.Yes, "yes", false, tr.Sprintf("apply without asking"))
	f.StringSliceVar(&opts.Diagnose.Only, "only", nil, tr.Sprintf("repair only these finding `IDS` (comma-separated)"))
	f.StringVar(&opts.Journal, "journal", "", tr.Sprintf("keep the journal in `DIR` (default: %%ProgramData%%\\qadoctor\\journal on Windows)"))
	f.StringVar(&opts.Export, "export", "", tr.Sprintf("write the plan as a `ps1` or `reg` script (with its undo) instead of applying it"))
	f.StringVarP(&opts.Output, "output", "o", "", tr.Sprintf("the `FILE` for --export"))
	f.StringVar(&opts.App, "app", "", tr.Sprintf("also `reset` or `reinstall` the Quick Assist app, as the guide does when nothing else helps"))
	f.StringVar(&opts.Diagnose.ProfilePath, "profile", "", tr.Sprintf("use this profile `FILE`"))
	f.DurationVar(&opts.Diagnose.Timeout, "timeout", DefaultTimeout, tr.Sprintf("deadline for each diagnosis"))
	f.StringVar(&opts.Diagnose.CAFile, "ca-file", "", tr.Sprintf("also trust the certificates in this PEM `FILE`"))
	f.BoolVarP(&opts.Diagnose.Quiet, "quiet", "q", false, tr.Sprintf("show no progress on standard error"))
	addNoBrowserFlag(cmd, &opts.Diagnose.NoBrowser, tr)
	return cmd
}

func runFix(ctx context.Context, opts *FixOptions) error {
	io := opts.Diagnose.IO
	if opts.Export != "" && opts.Export != "ps1" && opts.Export != "reg" {
		return usageErrorf("--export %q: want ps1 or reg", opts.Export)
	}
	if opts.Export != "" && opts.Output == "" {
		return usageErrorf("--export needs -o FILE")
	}
	var asked []finding.Finding
	only := opts.Diagnose.Only
	if opts.App != "" {
		// An app repair is asked for by name: it is planned like the
		// others, as a warning of app.quickassist.
		a, ok := map[string]finding.Action{"reset": checks.ActionResetQuickAssist, "reinstall": checks.ActionReinstallQuickAssist}[opts.App]
		if !ok {
			return usageErrorf("--app %q: want reset or reinstall", opts.App)
		}
		asked = append(asked, finding.Finding{ID: "app.quickassist", Status: finding.Warn, Actions: []finding.Action{a}})
		if len(only) > 0 {
			only = append(slices.Clip(only), "app.quickassist")
			// The app is judged too: a reinstall that cannot work is
			// refused on what app.quickassist finds.
			opts.Diagnose.Only = only
		}
	}
	rp := newRepairs(opts)
	before, plan, err := rp.plan(ctx, only, asked...)
	if err != nil {
		return err
	}
	if why, ok := checks.StoreUnavailable(before); ok && opts.App == "reinstall" {
		return usageErrorf("--app reinstall: %s; a reinstall would remove Quick Assist and could not install it again. Ask IT to deploy it (see app.quickassist in qadoctor diagnose)", why)
	}
	if len(plan) == 0 {
		fmt.Fprintln(io.Out, io.Tr.Sprintf("Nothing qadoctor can repair: no failing check has an automatic fix. The report's steps say what to do."))
		return nil
	}
	writePlan(io, plan)

	switch {
	case opts.Export == "reg":
		return exportReg(io, opts.Output, plan)
	case opts.Export == "ps1":
		var b strings.Builder
		if err := fix.WritePS1(&b, plan); err != nil {
			return err
		}
		if err := writeFileAtomic(opts.Output, []byte(b.String())); err != nil {
			return err
		}
		fmt.Fprint(io.ErrOut, io.Tr.Sprintf("Wrote %s (run it with -Undo to take the changes back).\n", opts.Output))
		return nil
	case opts.DryRun:
		fmt.Fprintln(io.Out, io.Tr.Sprintf("Dry run: nothing was changed."))
		return nil
	}
	// Rights are checked before consent is asked: nobody agrees to a
	// change that then cannot be made.
	if !rp.mayApply(plan) {
		return notAppliedError{io.Tr.Sprintf("nothing was changed: these repairs need administrator rights. Open Terminal or PowerShell with \"Run as administrator\" and run qadoctor fix again")}
	}
	if !opts.Yes {
		if !io.InTTY {
			return notAppliedError{io.Tr.Sprintf("nothing was changed: no consent. Run qadoctor fix --yes to apply the plan above")}
		}
		fmt.Fprint(io.Out, io.Tr.Sprintf("Apply these changes? [y/N] "))
		answer, _ := bufio.NewReader(io.In).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
			return notAppliedError{io.Tr.Sprintf("nothing was changed: you did not agree")}
		}
	}
	j, err := rp.apply(ctx, plan)
	if err != nil {
		if j != nil {
			fmt.Fprint(io.ErrOut, io.Tr.Sprintf("Stopped: %v\nWhat was changed is in %s; qadoctor undo %s takes it back.\n", escape.Terminal(err.Error()), j.Path(), j.Run))
		}
		return err
	}
	fmt.Fprint(io.Out, io.Tr.Sprintf("\nApplied. Journal: %s\nTo take it back: qadoctor undo %s\n", j.Path(), j.Run))
	for _, a := range plan {
		if a.Restart {
			fmt.Fprint(io.Out, io.Tr.Sprintf("%s takes effect after Windows restarts.\n", a.Action))
		}
	}
	after, err := rp.recheck(ctx, fix.Checks(plan))
	if err != nil {
		return err
	}
	return writeBeforeAfter(io, before, after)
}

// repairs is the one pipeline fix and intune remediate share: diagnose,
// plan the repairs of what failed, apply them with a journal written
// ahead, and diagnose the repaired checks again. The commands decide only
// what is asked first (consent, the approved IDs) and what is said.
type repairs struct {
	diagnose DiagnoseOptions
	deps     FixDeps
	journal  string // the journal folder; "": the default
	tool     string // who writes the journal
	now      func() time.Time
	w        winstate.Writer // the registry; nil where there is none (off Windows)
	wErr     error           // why there is none
}

func newRepairs(opts *FixOptions) *repairs {
	return &repairs{diagnose: opts.Diagnose, deps: opts.Deps, journal: opts.Journal, now: opts.Now,
		tool: "qadoctor " + opts.Diagnose.Build.Version}
}

// plan diagnoses and plans the repairs of the failed findings whose IDs
// are in ids (all when empty); asked are findings a person asked to repair
// by name (fix --app), planned with the others.
func (r *repairs) plan(ctx context.Context, ids []string, asked ...finding.Finding) (before []finding.Finding, plan []fix.PlannedAction, err error) {
	before, err = diagnoseFindings(ctx, &r.diagnose)
	if err != nil {
		return nil, nil, err
	}
	r.w, r.wErr = r.deps.writer()
	if r.wErr != nil {
		r.w = nil // off Windows: only command actions can be planned
	}
	plan, err = fix.Plan(append(before, asked...), ids, r.w)
	if err != nil {
		return nil, nil, usageError{err: err}
	}
	return before, plan, nil
}

// mayApply reports whether this process has the rights the plan needs.
func (r *repairs) mayApply(plan []fix.PlannedAction) bool {
	return !fix.NeedsAdmin(plan) || r.deps.elevated()
}

// errNeedsAdmin is a plan applied without the rights it needs.
var errNeedsAdmin = notAppliedError{"the repairs need administrator rights"}

// apply writes the journal and applies the plan. The journal is returned
// once it exists, with an error too when applying stopped halfway.
func (r *repairs) apply(ctx context.Context, plan []fix.PlannedAction) (*fix.Journal, error) {
	if !r.mayApply(plan) {
		return nil, errNeedsAdmin
	}
	if r.w == nil && hasRegistry(plan) {
		return nil, fmt.Errorf("open the registry: %w", r.wErr)
	}
	dir := r.journal
	if dir == "" {
		dir = defaultJournalDir()
	}
	j, err := fix.NewJournal(dir, r.tool, nowOf(r.now), plan)
	if err != nil {
		return nil, err
	}
	if err := fix.Apply(ctx, j, r.w, r.deps.runner()); err != nil {
		return j, err
	}
	return j, nil
}

// recheck diagnoses again: the checks ids (nil: those the first diagnosis
// ran).
func (r *repairs) recheck(ctx context.Context, ids []string) ([]finding.Finding, error) {
	d := r.diagnose
	if ids != nil {
		d.Only, d.Skip = ids, nil
	}
	return diagnoseFindings(ctx, &d)
}

func hasRegistry(plan []fix.PlannedAction) bool {
	for _, a := range plan {
		if len(a.Registry) > 0 {
			return true
		}
	}
	return false
}

// diagnoseFindings runs the diagnosis of the checks fix may repair (those
// of --only, or all) and judges it.
func diagnoseFindings(ctx context.Context, opts *DiagnoseOptions) ([]finding.Finding, error) {
	f, sel, err := diagnoseFacts(ctx, opts)
	if err != nil {
		return nil, err
	}
	return checks.Judge(f, sel, opts.IO.Tr), nil
}

// writePlan shows every change, from what to what, and why.
func writePlan(io IOStreams, plan []fix.PlannedAction) {
	fmt.Fprint(io.Out, io.Tr.Sprintf("Plan (%d action(s)):\n", len(plan)))
	for i, a := range plan {
		var notes []string
		if a.Admin {
			notes = append(notes, io.Tr.Sprintf("needs administrator"))
		}
		if a.Restart {
			notes = append(notes, io.Tr.Sprintf("restart needed"))
		}
		note := ""
		if len(notes) > 0 {
			note = " (" + strings.Join(notes, ", ") + ")"
		}
		fmt.Fprintf(io.Out, "%d. [%s] %s%s\n", i+1, a.Finding, a.Title, note)
		for _, s := range a.Registry {
			// The prior value is the registry's, whatever someone wrote there.
			fmt.Fprintf(io.Out, "     %s\\%s: %s -> %s\n", s.Key, s.Name, escape.Terminal(s.Prior.Describe()), escape.Terminal(s.New.Describe()))
		}
		for _, c := range a.Commands {
			fmt.Fprint(io.Out, io.Tr.Sprintf("     run: %s (not undone by qadoctor undo)\n", fix.FormatArgv(c.Argv)))
		}
	}
}

func exportReg(io IOStreams, out string, plan []fix.PlannedAction) error {
	undoPath := strings.TrimSuffix(out, filepath.Ext(out)) + "-undo.reg"
	for _, f := range []struct {
		path string
		undo bool
	}{{out, false}, {undoPath, true}} {
		var b strings.Builder
		if err := fix.WriteReg(&b, plan, f.undo); err != nil {
			return err
		}
		if err := writeFileAtomic(f.path, []byte(b.String())); err != nil {
			return err
		}
	}
	fmt.Fprint(io.ErrOut, io.Tr.Sprintf("Wrote %s and its undo, %s.\n", out, undoPath))
	return nil
}

// writeBeforeAfter shows each repaired check before and after, and fails
// when one still fails.
func writeBeforeAfter(io IOStreams, before, after []finding.Finding) error {
	fmt.Fprintln(io.Out, io.Tr.Sprintf("\nBefore -> after:"))
	failed := false
	for _, a := range after {
		prior := "?"
		for _, b := range before {
			if b.ID == a.ID {
				prior = b.Status.String()
			}
		}
		fmt.Fprintf(io.Out, "  %-16s %s -> %s  %s\n", a.ID, prior, a.Status, escape.Terminal(a.Summary))
		failed = failed || a.Status == finding.Fail
	}
	if failed {
		return errFindingsFailed
	}
	return nil
}

// UndoOptions are undo's flags and dependencies.
type UndoOptions struct {
	IO      IOStreams
	Deps    FixDeps
	Journal string // the journal folder; "": the default
	Run     string // the run to undo; "": the newest
}

func newCmdUndo(d *Deps) *cobra.Command {
	tr := d.IO.Tr
	opts := &UndoOptions{IO: d.IO, Deps: d.Fix}
	cmd := &cobra.Command{
		Use:   "undo [RUN]",
		Short: tr.Sprintf("Take back a fix: restore every value it changed (the newest run, or RUN)"),
		Long: tr.Sprintf(`undo restores, from the journal, every registry value a fix run changed, exactly as it was
(absent values deleted again), newest change first. A run that died halfway is completed. Running
undo twice is safe: the second time there is nothing left to restore.`),
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Run = args[0]
			}
			return runUndo(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Journal, "journal", "", tr.Sprintf("the journal `DIR` fix used"))
	return cmd
}

func runUndo(_ context.Context, opts *UndoOptions) error {
	io := opts.IO
	dir := opts.Journal
	if dir == "" {
		dir = defaultJournalDir()
	}
	j, skipped, err := fix.FindJournal(dir, opts.Run)
	var untrusted *fix.UntrustedDirError
	switch {
	case errors.As(err, &untrusted):
		return usageErrorf("nothing was restored: the journal folder %s is not trusted: %s. qadoctor only replays journals that only administrators could have written; delete the folder, or give --journal a folder only administrators can write", untrusted.Dir, untrusted.Why)
	case err != nil:
		return usageError{err: err}
	}
	for _, s := range skipped {
		fmt.Fprintln(io.ErrOut, escape.Terminal(io.Tr.Sprintf("Skipped: %v", s))) // names files anyone may have made
	}
	if j == nil || !j.Undoable() {
		fmt.Fprint(io.Out, io.Tr.Sprintf("Nothing to undo in %s.\n", dir))
		return nil
	}
	if fix.NeedsAdmin(j.Actions) && !opts.Deps.elevated() {
		return notAppliedError{io.Tr.Sprintf("nothing was restored: undo needs administrator rights, as the fix did")}
	}
	w, err := opts.Deps.writer()
	if err != nil {
		return fmt.Errorf("open the registry: %w", err)
	}
	n, err := fix.Undo(j, w)
	if err != nil {
		return fmt.Errorf("undo %s (restored %d value(s) so far; run undo again to finish): %w", j.Run, n, err)
	}
	fmt.Fprint(io.Out, io.Tr.Sprintf("Restored %d value(s) from %s. Commands the fix ran (resync, install) are not undone.\n", n, j.Run))
	return nil
}

// nowOf is the injected clock's time, or the real one.
func nowOf(now func() time.Time) time.Time {
	if now != nil {
		return now()
	}
	return time.Now()
}
