package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/qadoctor/qadoctor/internal/checks"
	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/gather"
	"github.com/qadoctor/qadoctor/internal/i18n"
	"github.com/qadoctor/qadoctor/internal/inputfile"
	"github.com/qadoctor/qadoctor/internal/leg"
	"github.com/qadoctor/qadoctor/internal/profile"
	"github.com/qadoctor/qadoctor/internal/proxy"
	"github.com/qadoctor/qadoctor/internal/report"
)

// DefaultTimeout is the whole diagnosis's deadline. Every probe runs at
// once, so the run takes as long as the slowest endpoint; 15 s leaves room
// for a slow DNS server (Windows retries after 1, 2 and 4 s) and a TLS
// handshake over a congested VPN, and is still short enough for a person
// to wait for.
const DefaultTimeout = 15 * time.Second

// maxTimeout keeps a typo (--timeout 15m) from holding a terminal for hours.
const maxTimeout = 10 * time.Minute

// DiagnoseOptions are diagnose's flags and dependencies.
type DiagnoseOptions struct {
	IO    IOStreams
	Build BuildInfo
	Env   gather.Env // the outside world; nil fields: this machine's own

	JSON        bool   // --json: the same as --format json
	Format      string // text, json, md, html
	Output      string // write the report here instead of standard output
	ProfilePath string
	Timeout     time.Duration
	Only        []string
	Skip        []string
	CAFile      string
	HostsFile   string
	Proxy       string // --proxy: "direct" or a proxy URL; "" discovers
	PAC         string // --pac: a PAC's URL or file, tested instead of the system's settings
	Verbose     bool
	Quiet       bool          // no progress on standard error
	Symptom     string        // --symptom: the step at which the person saw the session break
	Since       time.Duration // --since: how far back the PC's record of past sessions is read
	NoBrowser   bool          // --no-browser: do not ask the PC's browser (net.browser skips)
}

func newCmdDiagnose(d *Deps, runF func(context.Context, *DiagnoseOptions) error) *cobra.Command {
	tr := d.IO.Tr
	opts := &DiagnoseOptions{IO: d.IO, Build: d.Build, Env: d.Env}
	cmd := &cobra.Command{
		Use:   "diagnose",
		Short: tr.Sprintf("Check everything Quick Assist needs, at once, under one deadline"),
		Long: tr.Sprintf(`diagnose probes every endpoint of the profile at once - DNS, TCP, TLS handshake, TLS versions -
and reads the hosts file, then says what is broken, why, and what to do.

Exit codes: 0 nothing failed, 1 at least one check failed, 2 usage or bad input, 3 internal error.`),
		Example: `  qadoctor diagnose
  qadoctor diagnose --json > report.json
  qadoctor diagnose --only net.dns,net.reach --timeout 5s
  qadoctor diagnose --profile test-profile.json --ca-file test-ca.pem`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runDiagnose(cmd.Context(), opts)
		},
	}
	addDiagnoseFlags(cmd, opts)
	f := cmd.Flags()
	f.BoolVar(&opts.JSON, "json", false, tr.Sprintf("write the report as JSON (the same as --format json)"))
	f.StringVar(&opts.Format, "format", "text", tr.Sprintf("`text`, json, md (Markdown, for a ticket) or html (one self-contained page)"))
	f.StringVarP(&opts.Output, "output", "o", "", tr.Sprintf("write the report to `FILE` instead of the terminal"))
	f.StringVar(&opts.HostsFile, "hosts-file", "", tr.Sprintf("read this hosts `FILE` instead of the system's"))
	f.BoolVarP(&opts.Verbose, "verbose", "v", false, tr.Sprintf("show the evidence of passing checks too"))
	addSymptomFlag(cmd, &opts.Symptom, tr)
	return cmd
}

// addSymptomFlag adds --symptom: what the person saw, so the causes met at
// that step come first.
func addSymptomFlag(cmd *cobra.Command, symptom *string, tr *i18n.Printer) {
	cmd.Flags().StringVar(symptom, "symptom", "", tr.Sprintf("what the person saw: `STEP` opens (Quick Assist does not open or spins), sign-in, code (the code is refused), sharing (it ends when screen sharing starts), slow, or unknown; causes met at that step come first"))
}

// addSinceFlag adds --since: how far back the PC's record of past
// sessions is read.
func addSinceFlag(cmd *cobra.Command, since *time.Duration, tr *i18n.Printer) {
	cmd.Flags().DurationVar(since, "since", gather.DefaultSince, tr.Sprintf("read the PC's record of past Quick Assist sessions this far back (`DURATION`, such as 168h)"))
}

// addNoBrowserFlag adds --no-browser: the PC's browser is not asked
// (net.browser skips).
func addNoBrowserFlag(cmd *cobra.Command, noBrowser *bool, tr *i18n.Printer) {
	cmd.Flags().BoolVar(noBrowser, "no-browser", false, tr.Sprintf("do not ask the PC's own browser (Edge) to make the web leg's requests (net.browser then skips)"))
}

// checkSince checks --since (0, as callers that set no flag leave it, is
// the default).
func checkSince(d time.Duration) error {
	if d < 0 || d > gather.MaxSince || d > 0 && d < gather.MinSince {
		return usageErrorf("--since %s: want a duration between 1m and 2160h (90 days), such as 168h (7 days); 0 takes 168h", d)
	}
	return nil
}

// parseSymptom reads --symptom.
func parseSymptom(s string) (leg.Step, error) {
	step, err := leg.ParseStep(s)
	if err != nil {
		return "", usageErrorf("--symptom %q: want opens, sign-in, code, sharing, slow or unknown (where the person saw the session break)", s)
	}
	return step, nil
}

func runDiagnose(ctx context.Context, opts *DiagnoseOptions) error {
	start := time.Now()
	format, err := reportFormat(opts.Format, opts.JSON)
	if err != nil {
		return err
	}
	symptom, err := parseSymptom(opts.Symptom)
	if err != nil {
		return err
	}
	f, sel, err := diagnoseFacts(ctx, opts)
	if err != nil {
		return err
	}
	return writeReport(opts.IO, opts.Build, f, sel, start, reportOptions{Format: format, Verbose: opts.Verbose, Output: opts.Output, Symptom: symptom})
}

// reportFormat checks --format against --json.
func reportFormat(format string, asJSON bool) (string, error) {
	if asJSON {
		format = "json"
	}
	switch format {
	case "", "text":
		return "text", nil
	case "json", "md", "html":
		return format, nil
	}
	return "", usageErrorf("--format %q: want text, json, md or html", format)
}

// reportOptions say how a report is written.
type reportOptions struct {
	Format  string // text, json, md, html
	Verbose bool
	Output  string   // a file, or "" for standard output
	Symptom leg.Step // where the person saw the session break; "" unknown
}

// diagnoseFacts checks the options, gathers what the selected checks need
// and returns the facts with the checks to judge them.
func diagnoseFacts(ctx context.Context, opts *DiagnoseOptions) (*facts.Facts, []checks.Check, error) {
	if opts.Timeout <= 0 || opts.Timeout > maxTimeout {
		return nil, nil, usageErrorf("--timeout %s: want a duration between 1ms and %s, such as 15s", opts.Timeout, maxTimeout)
	}
	if err := checkSince(opts.Since); err != nil {
		return nil, nil, err
	}
	sel, err := selectChecks(opts.Only, opts.Skip)
	if err != nil {
		return nil, nil, err
	}
	p, name, err := loadProfile(opts.ProfilePath)
	if err != nil {
		return nil, nil, err
	}
	needs := checks.NeedsOf(sel)
	roots, err := loadRoots(opts.CAFile, needs.Closed().TLS)
	if err != nil {
		return nil, nil, err
	}
	flagProxy, err := proxyFlags(opts)
	if err != nil {
		return nil, nil, err
	}
	progress := newProgressView(opts.IO, opts.Quiet)
	defer progress.done()
	f := gather.Run(ctx, gather.Options{
		Profile:     p,
		ProfileName: name,
		Timeout:     opts.Timeout,
		Needs:       needs,
		Proxy:       flagProxy,
		Roots:       roots,
		HostsFile:   opts.HostsFile,
		Since:       opts.Since,
		NoBrowser:   opts.NoBrowser,
		Env:         opts.Env,
		Progress:    progress.callback(),
	})
	return f, sel, nil
}

// proxyFlags reads --proxy and --pac: nil when neither is given (the
// system's settings are discovered under the deadline).
func proxyFlags(opts *DiagnoseOptions) (*proxy.Settings, error) {
	switch {
	case opts.Proxy != "" && opts.PAC != "":
		return nil, usageErrorf("--proxy and --pac both name the way; give one")
	case opts.Proxy != "":
		s, err := proxy.FromFlag(opts.Proxy)
		if err != nil {
			return nil, usageError{err: err}
		}
		return &s, nil
	case opts.PAC != "" && proxy.IsPACURL(opts.PAC):
		s := proxy.FromPACFlag(opts.PAC, nil)
		return &s, nil
	case opts.PAC != "":
		script, err := inputfile.Read(opts.PAC, proxy.MaxPACSize)
		if err != nil {
			return nil, usageErrorf("read --pac: %w; give a PAC file or its http(s) URL", err)
		}
		s := proxy.FromPACFlag(opts.PAC, script)
		return &s, nil
	}
	return nil, nil
}

// selectChecks is checks.Select, its errors said as usage errors in the
// person's language.
func selectChecks(only, skip []string) ([]checks.Check, error) {
	sel, err := checks.Select(only, skip)
	var unknown *checks.UnknownCheckError
	switch {
	case errors.As(err, &unknown):
		return nil, usageErrorf("unknown check %q; known checks: %s", unknown.ID, strings.Join(checks.IDs(), ", "))
	case errors.Is(err, checks.ErrNoneSelected):
		return nil, usageErrorf("--only and --skip leave no check to run")
	case err != nil:
		return nil, usageError{err: err}
	}
	return sel, nil
}

// writeReport judges the facts, writes the report and returns the error
// that sets the exit code.
func writeReport(io IOStreams, build BuildInfo, f *facts.Facts, sel []checks.Check, start time.Time, o reportOptions) error {
	rep := judgeReport(io, build, f, sel, start, o.Symptom)
	if err := renderReport(io, rep, f, o); err != nil {
		return err
	}
	if rep.Failed() {
		return errFindingsFailed
	}
	return nil
}

// judgeReport judges the facts in the person's language; symptom, when the
// person said where the session broke, puts the causes met there first.
func judgeReport(io IOStreams, build BuildInfo, f *facts.Facts, sel []checks.Check, start time.Time, symptom leg.Step) *report.Report {
	findings := checks.Judge(f, sel, io.Tr)
	rep := report.New(report.Tool{Name: "qadoctor", Version: build.Version, Commit: build.Commit},
		f, findings, checks.Verdict(findings, symptom), time.Since(start), io.Tr.Lang())
	rep.Symptom = symptom
	return rep
}

// renderReport writes the report in one format to o.Output, or to
// standard output (in colour when that is a terminal that takes it).
func renderReport(io IOStreams, rep *report.Report, f *facts.Facts, o reportOptions) error {
	var b bytes.Buffer
	var err error
	switch o.Format {
	case "json":
		err = report.WriteJSON(&b, rep)
	case "md":
		err = report.WriteMarkdown(&b, rep, io.Tr)
	case "html":
		err = report.WriteHTML(&b, rep, f.Endpoints, io.Tr)
	default:
		color := o.Output == "" && io.OutTTY && io.Color
		width := 0
		if o.Output == "" {
			width = io.Columns
		}
		err = report.WriteText(&b, rep, report.TextOptions{Verbose: o.Verbose, Tr: io.Tr, Color: color, Width: width})
	}
	if err != nil {
		return fmt.Errorf("render the report: %w", err)
	}
	if o.Output != "" {
		if err := writeFileAtomic(o.Output, b.Bytes()); err != nil {
			return err
		}
		fmt.Fprintln(io.ErrOut, io.Tr.Sprintf("Wrote %s (%s).", o.Output, rep.Status))
	} else if _, err := io.Out.Write(b.Bytes()); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// loadProfile reads the profile at path, or the built-in one when path is
// empty. A bad profile is a usage error naming the file.
func loadProfile(path string) (*profile.Profile, string, error) {
	if path == "" {
		p, err := profile.Default()
		if err != nil {
			return nil, "", fmt.Errorf("built-in profile is invalid (a bug in this build): %w", err)
		}
		return p, profile.EmbeddedName, nil
	}
	data, err := inputfile.Read(path, 2*profile.MaxSize)
	if err == nil {
		data, err = inputfile.UTF8(data)
	}
	if err != nil {
		return nil, "", usageErrorf("read profile: %w", err)
	}
	p, err := profile.Parse(path, data)
	if err != nil {
		return nil, "", usageError{err: err}
	}
	return p, path, nil
}
