package cli

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/qadoctor/qadoctor/internal/checks"
	"github.com/qadoctor/qadoctor/internal/elevate"
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
	before, err := diagnoseFindings(ctx, &opts.Diagnose)
	if err != nil {
		return err
	}
	w, werr := opts.Deps.writer()
	if werr != nil {
		w = nil // off Windows: only command actions can be planned
	}
	if opts.App != "" {
		// An app repair is asked for by name: it is planned like the
		// others, as a warning of app.quickassist.
		a, ok := map[string]finding.Action{"reset": checks.ActionResetQuickAssist, "reinstall": checks.ActionReinstallQuickAssist}[opts.App]
		if !ok {
			return usageErrorf("--app %q: want reset or reinstall", opts.App)
		}
		before = append(before, finding.Finding{ID: "app.quickassist", Status: finding.Warn, Actions: []finding.Action{a}})
		if len(opts.Diagnose.Only) > 0 {
			opts.Diagnose.Only = append(opts.Diagnose.Only, "app.quickassist")
		}
	}
	plan, err := fix.Plan(before, opts.Diagnose.Only, w)
	if err != nil {
		return usageError{err: err}
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
	if fix.NeedsAdmin(plan) && !opts.Deps.elevated() {
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
	if w == nil && hasRegistry(plan) {
		return fmt.Errorf("open the registry: %w", werr)
	}
	dir := opts.Journal
	if dir == "" {
		dir = defaultJournalDir()
	}
	j, err := fix.NewJournal(dir, "qadoctor "+opts.Diagnose.Build.Version, nowOf(opts.Now), plan)
	if err != nil {
		return err
	}
	applyErr := fix.Apply(ctx, j, w, opts.Deps.runner())
	if applyErr != nil {
		fmt.Fprint(io.ErrOut, io.Tr.Sprintf("Stopped: %v\nWhat was changed is in %s; qadoctor undo %s takes it back.\n", applyErr, j.Path(), j.Run))
		return applyErr
	}
	fmt.Fprint(io.Out, io.Tr.Sprintf("\nApplied. Journal: %s\nTo take it back: qadoctor undo %s\n", j.Path(), j.Run))
	for _, a := range plan {
		if a.Restart {
			fmt.Fprint(io.Out, io.Tr.Sprintf("%s takes effect after Windows restarts.\n", a.Action))
		}
	}
	return recheck(ctx, opts, before, fix.Checks(plan))
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
			fmt.Fprintf(io.Out, "     %s\\%s: %s -> %s\n", s.Key, s.Name, s.Prior.Describe(), s.New.Describe())
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

// recheck re-runs the repaired checks and shows before and after.
func recheck(ctx context.Context, opts *FixOptions, before []finding.Finding, ids []string) error {
	d := opts.Diagnose
	d.Only, d.Skip = ids, nil
	f, sel, err := diagnoseFacts(ctx, &d)
	if err != nil {
		return err
	}
	after := checks.Judge(f, sel, opts.Diagnose.IO.Tr)
	io := opts.Diagnose.IO
	fmt.Fprintln(io.Out, io.Tr.Sprintf("\nBefore -> after:"))
	failed := false
	for _, a := range after {
		prior := "?"
		for _, b := range before {
			if b.ID == a.ID {
				prior = b.Status.String()
			}
		}
		fmt.Fprintf(io.Out, "  %-16s %s -> %s  %s\n", a.ID, prior, a.Status, a.Summary)
		failed = failed || a.Status == finding.Fail
	}
	if failed {
		return errFindingsFailed
	}
	return nil
}

func newCmdUndo(d *Deps) *cobra.Command {
	tr := d.IO.Tr
	var dir string
	cmd := &cobra.Command{
		Use:   "undo [RUN]",
		Short: tr.Sprintf("Take back a fix: restore every value it changed (the newest run, or RUN)"),
		Long: tr.Sprintf(`undo restores, from the journal, every registry value a fix run changed, exactly as it was
(absent values deleted again), newest change first. A run that died halfway is completed. Running
undo twice is safe: the second time there is nothing left to restore.`),
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			run := ""
			if len(args) == 1 {
				run = args[0]
			}
			if dir == "" {
				dir = defaultJournalDir()
			}
			return runUndo(d, dir, run)
		},
	}
	cmd.Flags().StringVar(&dir, "journal", "", tr.Sprintf("the journal `DIR` fix used"))
	return cmd
}

func runUndo(d *Deps, dir, run string) error {
	j, err := fix.FindJournal(dir, run)
	if err != nil {
		return usageError{err: err}
	}
	if j == nil || !j.Undoable() {
		fmt.Fprint(d.IO.Out, d.IO.Tr.Sprintf("Nothing to undo in %s.\n", dir))
		return nil
	}
	if fix.NeedsAdmin(j.Actions) && !d.Fix.elevated() {
		return notAppliedError{d.IO.Tr.Sprintf("nothing was restored: undo needs administrator rights, as the fix did")}
	}
	w, err := d.Fix.writer()
	if err != nil {
		return fmt.Errorf("open the registry: %w", err)
	}
	n, err := fix.Undo(j, w)
	if err != nil {
		return fmt.Errorf("undo %s (restored %d value(s) so far; run undo again to finish): %w", j.Run, n, err)
	}
	fmt.Fprint(d.IO.Out, d.IO.Tr.Sprintf("Restored %d value(s) from %s. Commands the fix ran (resync, install) are not undone.\n", n, j.Run))
	return nil
}

// nowOf is the injected clock's time, or the real one.
func nowOf(now func() time.Time) time.Time {
	if now != nil {
		return now()
	}
	return time.Now()
}
