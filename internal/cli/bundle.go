package cli

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"github.com/qadoctor/qadoctor/internal/bundle"
	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/fix"
	"github.com/qadoctor/qadoctor/internal/gather"
	"github.com/qadoctor/qadoctor/internal/i18n"
	"github.com/qadoctor/qadoctor/internal/report"
	"github.com/qadoctor/qadoctor/internal/winstate"
)

// BundleOptions are bundle's flags and dependencies.
type BundleOptions struct {
	Diagnose DiagnoseOptions
	Output   string
	NoRedact bool
	Journal  string
}

func newCmdBundle(d *Deps) *cobra.Command {
	tr := d.IO.Tr
	opts := &BundleOptions{Diagnose: DiagnoseOptions{IO: d.IO, Build: d.Build, Env: d.Env}}
	cmd := &cobra.Command{
		Use:   "bundle -o FILE.zip",
		Short: tr.Sprintf("Write a redacted support bundle: the report (JSON and HTML), the system snapshot, the last fix journal"),
		Long: tr.Sprintf(`bundle runs the diagnosis and writes one zip for a helpdesk or Microsoft support: report.json,
report.html, snapshot.json (Windows), the last fix journal, versions.txt, and redactions.txt, which
says what was redacted and how. The user name, the machine name, private addresses and internal host
names (other than the profile's endpoints) are replaced by placeholders; --no-redact keeps them.`),
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return runBundle(cmd.Context(), opts) },
	}
	addDiagnoseFlags(cmd, &opts.Diagnose)
	addSymptomFlag(cmd, &opts.Diagnose.Symptom, tr)
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "", tr.Sprintf("write the bundle to `FILE.zip` (required)"))
	cmd.Flags().BoolVar(&opts.NoRedact, "no-redact", false, tr.Sprintf("keep user, machine, private addresses and internal names"))
	cmd.Flags().StringVar(&opts.Journal, "journal", "", tr.Sprintf("the fix journal `DIR` (default: the standard one)"))
	return cmd
}

func runBundle(ctx context.Context, opts *BundleOptions) error {
	if opts.Output == "" {
		return usageErrorf("bundle needs -o FILE.zip")
	}
	start := time.Now()
	symptom, err := parseSymptom(opts.Diagnose.Symptom)
	if err != nil {
		return err
	}
	f, sel, err := diagnoseFacts(ctx, &opts.Diagnose)
	if err != nil {
		return err
	}
	b := opts.Diagnose.Build
	tr := opts.Diagnose.IO.Tr
	rep := judgeReport(opts.Diagnose.IO, b, f, sel, start, symptom)
	n, err := writeBundle(opts.Output, bundleSource{Build: b, Tr: tr, Env: opts.Diagnose.Env, Journal: opts.Journal, NoRedact: opts.NoRedact}, f, rep)
	if err != nil {
		return err
	}
	redacted := tr.Sprintf("redacted: see redactions.txt")
	if opts.NoRedact {
		redacted = tr.Sprintf("not redacted")
	}
	fmt.Fprintln(opts.Diagnose.IO.ErrOut, tr.Sprintf("Wrote %s (%d files; %s). Send it to your helpdesk.", opts.Output, n, redacted))
	// The bundle is written: that is bundle's job done, whatever the
	// checks found (they are inside it).
	return nil
}

// bundleSource is what a bundle needs besides the run's facts and report.
type bundleSource struct {
	Build    BuildInfo
	Tr       *i18n.Printer
	Env      gather.Env
	Journal  string // the fix journal folder; "" is the standard one
	NoRedact bool
}

// writeBundle writes the support bundle of a run to path: the report as
// JSON and HTML, the snapshot (Windows), the last journal, versions, and
// redactions.txt; redacted unless src says not. It returns how many files
// the bundle holds.
func writeBundle(path string, src bundleSource, f *facts.Facts, rep *report.Report) (int, error) {
	b, tr := src.Build, src.Tr
	var files []bundle.File
	add := func(name string, write func(*bytes.Buffer) error) error {
		var buf bytes.Buffer
		if err := write(&buf); err != nil {
			return fmt.Errorf("bundle %s: %w", name, err)
		}
		files = append(files, bundle.File{Name: name, Data: buf.Bytes()})
		return nil
	}
	if err := add("report.json", func(w *bytes.Buffer) error { return report.WriteJSON(w, rep) }); err != nil {
		return 0, err
	}
	if err := add("report.html", func(w *bytes.Buffer) error { return report.WriteHTML(w, rep, f.Endpoints, tr) }); err != nil {
		return 0, err
	}
	if f.System.State == facts.SystemRead {
		snap := &winstate.Snapshot{Schema: winstate.SnapshotSchema, Tool: "qadoctor " + b.Version, Collected: f.Started, System: f.System}
		if f.Sessions.State != "" && f.Sessions.State != facts.SessionsNotSelected {
			sessions := f.Sessions // the redactor below takes the user's name out of the whole file
			snap.Sessions = &sessions
		}
		if err := add("snapshot.json", func(w *bytes.Buffer) error { return winstate.WriteSnapshot(w, snap) }); err != nil {
			return 0, err
		}
	}
	dir := src.Journal
	if dir == "" {
		dir = defaultJournalDir()
	}
	if names, _ := fix.Journals(dir); len(names) > 0 {
		if data, err := fix.ReadJournalFile(names[0]); err == nil {
			files = append(files, bundle.File{Name: "journal/" + filepath.Base(names[0]), Data: data})
		}
	}
	versions := fmt.Sprintf("qadoctor %s (commit %s)\nprofile %s (source %s, dated %s)\n%s %s/%s\n",
		b.Version, b.Commit, f.Profile.Version, f.Profile.Source, f.Profile.Date, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	files = append(files, bundle.File{Name: "versions.txt", Data: []byte(versions)})

	redactions := []byte(bundle.NotRedacted)
	if !src.NoRedact {
		user, machine := src.Env.Live().Identity()
		r := bundle.RedactorFor(user, machine, f)
		for i := range files {
			files[i].Data = r.Redact(files[i].Name, files[i].Data)
		}
		redactions = []byte(r.Summary())
	}
	files = append(files, bundle.File{Name: "redactions.txt", Data: redactions})

	var zipped bytes.Buffer
	if err := bundle.Write(&zipped, files, f.Started); err != nil {
		return 0, fmt.Errorf("write the bundle: %w", err)
	}
	if err := writeFileAtomic(path, zipped.Bytes()); err != nil {
		return 0, err
	}
	return len(files), nil
}
