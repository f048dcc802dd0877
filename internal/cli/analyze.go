package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/inputfile"
	"github.com/qadoctor/qadoctor/internal/profile"
	"github.com/qadoctor/qadoctor/internal/sessionread"
	"github.com/qadoctor/qadoctor/internal/winstate"
)

// AnalyzeOptions are analyze's flags.
type AnalyzeOptions struct {
	IO    IOStreams
	Build BuildInfo

	Files   []string // every file given: a snapshot or .reg export, History files, .evtx files
	Since   time.Duration
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
		Use:   "analyze FILE...",
		Short: tr.Sprintf("Judge a snapshot from qadoctor collect, a regedit .reg export, or a PC's History and .evtx logs, on any machine"),
		Long: tr.Sprintf(`analyze judges what a PC recorded, with the same checks as a live run: the Windows system state in
a snapshot written by qadoctor collect or a .reg export from regedit (one of them), and the record
of past Quick Assist sessions - Quick Assist's WebView2 History file
(%%LOCALAPPDATA%%\Temp\QuickAssist\EBWebView\Default\History) and .evtx logs exported from Event
Viewer (System, Application, ...). Each file is told apart by its content. What only a live run can
know (the network, the hosts file) is skipped, saying so. Keys missing from a .reg export are
reported as not in the export, never as not set. The window of event records is the sessions the
History records (--since before its newest page), not this machine's clock.`),
		Example: `  qadoctor analyze snapshot.json
  qadoctor analyze schannel.reg --json
  qadoctor analyze History System.evtx Application.evtx`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Files = args
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
	addSinceFlag(cmd, &opts.Since, tr)
	return cmd
}

// maxAnalyzeFiles bounds the files one analysis reads: a snapshot, a
// History and the few logs a helpdesk asks for.
const maxAnalyzeFiles = 32

// analyzeReadTime bounds reading the History and logs given to analyze
// (each reader is bounded in size and count too).
const analyzeReadTime = 2 * time.Minute

// sortFiles tells the files given to analyze apart by their content.
func sortFiles(files []string) (state string, histories, logs []string, err error) {
	if len(files) > maxAnalyzeFiles {
		return "", nil, nil, usageErrorf("%d files: analyze reads at most %d at once", len(files), maxAnalyzeFiles)
	}
	for _, file := range files {
		head, err := inputfile.Head(file, 16)
		if err != nil {
			return "", nil, nil, usageErrorf("read %s: %w", file, err)
		}
		switch {
		case sessionread.IsHistory(head):
			histories = append(histories, file)
		case sessionread.IsEVTX(head):
			logs = append(logs, file)
		case state != "":
			return "", nil, nil, usageErrorf("%s and %s: give one snapshot or .reg export (History and .evtx files may be added)", state, file)
		default:
			state = file
		}
	}
	return state, histories, logs, nil
}

func runAnalyze(ctx context.Context, opts *AnalyzeOptions) error {
	sel, err := selectChecks(opts.Only, opts.Skip)
	if err != nil {
		return err
	}
	start := time.Now()
	if err := checkSince(opts.Since); err != nil {
		return err
	}
	state, histories, logs, err := sortFiles(opts.Files)
	if err != nil {
		return err
	}
	p, err := profile.Default()
	if err != nil {
		return fmt.Errorf("built-in profile: %w", err)
	}
	system := facts.System{State: facts.SystemNotSelected}
	var sessions facts.Sessions
	why := facts.WhyNoFiles
	if state != "" {
		snap, err := readStateFile(state)
		if err != nil {
			return err
		}
		system = winstate.Collect(snap.reg, snap.source, state, nil)
		if snap.sessions != nil {
			sessions = *snap.sessions
			sessionread.Sanitize(&sessions)
		} else if snap.source == "snapshot" {
			why = facts.WhyOldSnapshot
		}
	}
	if len(histories)+len(logs) > 0 {
		rctx, cancel := context.WithTimeout(ctx, analyzeReadTime)
		read := sessionread.Files(rctx, histories, logs, opts.Since, p.ServesSessionPages, sessions.Visits)
		cancel()
		sessions = sessionread.Merge(sessions, read)
	}
	f := &facts.Facts{
		Started:  time.Now().UTC(),
		Profile:  facts.ProfileInfo{Name: profile.EmbeddedName, Version: p.Version, Source: p.Source.URL, Date: p.Source.Date, Reviewed: p.ReviewedOn()},
		MinTLS:   p.MinTLS,
		Hosts:    facts.HostsFile{State: facts.HostsNotSelected},
		System:   system,
		Sessions: sessions,
		Analyzed: strings.Join(opts.Files, ", "),
	}
	if sessions.State == "" {
		f.Sessions = facts.Sessions{State: facts.SessionsUnavailable, Why: why}
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

// stateFile is a snapshot or .reg export, read.
type stateFile struct {
	reg      winstate.Registry
	source   string
	sessions *facts.Sessions // a snapshot's record of past sessions
}

// readStateFile reads a snapshot or a .reg export.
func readStateFile(file string) (stateFile, error) {
	// A snapshot is capped far below a .reg export: tell them apart first.
	limit, snapshot := int64(winstate.MaxRegFileSize), false
	if head, err := inputfile.Head(file, 512); err == nil {
		if text, err := inputfile.UTF8(head); err == nil && winstate.LooksLikeSnapshot(text) {
			limit, snapshot = 2*winstate.MaxSnapshotSize, true // UTF-16 is twice the size
		}
	}
	data, err := inputfile.Read(file, limit)
	if err == nil && snapshot {
		// A snapshot saved by PowerShell 5.1 may be UTF-16LE; a .reg
		// export is left as it is (its parser reads UTF-16 itself).
		data, err = inputfile.UTF8(data)
	}
	if err != nil {
		return stateFile{}, usageErrorf("read %s: %w; give the snapshot qadoctor collect wrote, or a .reg export of the keys asked for", file, err)
	}
	reg, source, err := winstate.Open(file, data)
	if err != nil {
		return stateFile{}, usageError{err: err}
	}
	out := stateFile{reg: reg, source: source}
	if source == "snapshot" {
		if snap, _, err := winstate.ReadSnapshot(file, data); err == nil && snap.Sessions != nil {
			out.sessions = snap.Sessions
		}
	}
	return out, nil
}
