package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/inputfile"
	"github.com/qadoctor/qadoctor/internal/profile"
	"github.com/qadoctor/qadoctor/internal/winstate"
)

// AnalyzeOptions are analyze's flags.
type AnalyzeOptions struct {
	IO    IOStreams
	Build BuildInfo

	File    string
	JSON    bool
	Format  string
	Output  string
	Only    []string
	Skip    []string
	Verbose bool
	Symptom string
}

func newCmdAnalyze(d *Deps) *cobra.Command {
	tr := d.IO.Tr
	opts := &AnalyzeOptions{IO: d.IO, Build: d.Build}
	cmd := &cobra.Command{
		Use:   "analyze FILE",
		Short: tr.Sprintf("Judge a snapshot from qadoctor collect, or a regedit .reg export, on any machine"),
		Long: tr.Sprintf(`analyze judges the Windows system state recorded in FILE - a snapshot written by qadoctor collect,
or a .reg export from regedit - with the same checks as a live run. What only a live run can know
(the network, the hosts file) is skipped, saying so. Keys missing from a .reg export are reported
as not in the export, never as not set.`),
		Example: `  qadoctor analyze snapshot.json
  qadoctor analyze schannel.reg --json`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.File = args[0]
			return runAnalyze(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&opts.JSON, "json", false, tr.Sprintf("write the report as JSON (the same as --format json)"))
	f.StringVar(&opts.Format, "format", "text", tr.Sprintf("`text`, json, md or html"))
	f.StringVarP(&opts.Output, "output", "o", "", tr.Sprintf("write the report to `FILE`"))
	f.StringSliceVar(&opts.Only, "only", nil, tr.Sprintf("run only these check `IDS` (comma-separated)"))
	f.StringSliceVar(&opts.Skip, "skip", nil, tr.Sprintf("skip these check `IDS` (comma-separated)"))
	f.BoolVarP(&opts.Verbose, "verbose", "v", false, tr.Sprintf("show the evidence of passing checks too"))
	addSymptomFlag(cmd, &opts.Symptom, tr)
	return cmd
}

func runAnalyze(_ context.Context, opts *AnalyzeOptions) error {
	sel, err := selectChecks(opts.Only, opts.Skip)
	if err != nil {
		return err
	}
	start := time.Now()
	// A snapshot is capped far below a .reg export: tell them apart first.
	limit, snapshot := int64(winstate.MaxRegFileSize), false
	if head, err := inputfile.Head(opts.File, 512); err == nil {
		if text, err := inputfile.UTF8(head); err == nil && winstate.LooksLikeSnapshot(text) {
			limit, snapshot = 2*winstate.MaxSnapshotSize, true // UTF-16 is twice the size
		}
	}
	data, err := inputfile.Read(opts.File, limit)
	if err == nil && snapshot {
		// A snapshot saved by PowerShell 5.1 may be UTF-16LE; a .reg
		// export is left as it is (its parser reads UTF-16 itself).
		data, err = inputfile.UTF8(data)
	}
	if err != nil {
		return usageErrorf("read %s: %w; give the snapshot qadoctor collect wrote, or a .reg export of the keys asked for", opts.File, err)
	}
	reg, source, err := winstate.Open(opts.File, data)
	if err != nil {
		return usageError{err: err}
	}
	p, err := profile.Default()
	if err != nil {
		return fmt.Errorf("built-in profile: %w", err)
	}
	f := &facts.Facts{
		Started:  time.Now().UTC(),
		Profile:  facts.ProfileInfo{Name: profile.EmbeddedName, Version: p.Version, Source: p.Source.URL, Date: p.Source.Date, Reviewed: p.ReviewedOn()},
		MinTLS:   p.MinTLS,
		Hosts:    facts.HostsFile{State: facts.HostsNotSelected},
		System:   winstate.Collect(reg, source, opts.File, nil),
		Analyzed: opts.File,
	}
	format, err := reportFormat(opts.Format, opts.JSON)
	if err != nil {
		return err
	}
	symptom, err := parseSymptom(opts.Symptom)
	if err != nil {
		return err
	}
	return writeReport(opts.IO, opts.Build, f, sel, start, reportOptions{Format: format, Verbose: opts.Verbose, Output: opts.Output, Symptom: symptom})
}
