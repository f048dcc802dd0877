package cli

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/qadoctor/qadoctor/internal/console"
)

// DoubleClickDeps are the seams of a double-click run; nil means the real
// thing.
type DoubleClickDeps struct {
	TempDir func() string           // where the HTML report goes; nil: os.TempDir
	Open    func(path string) error // shows the report; nil: console.Open (the default browser)
}

// RunDoubleClick is what qadoctor does when someone double-clicks it in
// Explorer: there are no arguments, and the console window closes the
// moment the process ends, so nothing may depend on a flag or an exit
// code. It diagnoses with the defaults, shows the text report with live
// progress in the window, writes the HTML report to the temporary folder,
// opens it in the default browser, and keeps the window open until Enter.
// It returns the exit code diagnose would.
func RunDoubleClick(ctx context.Context, d *Deps, dc DoubleClickDeps) int {
	return runDoubleClick(ctx, d, dc, &DiagnoseOptions{Build: d.Build, Env: d.Env, Timeout: DefaultTimeout})
}

func runDoubleClick(ctx context.Context, d *Deps, dc DoubleClickDeps, opts *DiagnoseOptions) int {
	_ = d.speak("") // no arguments: the environment and Windows decide; never fails
	opts.IO = d.IO  // with the Printer speak made
	tr, io := d.IO.Tr, d.IO
	defer waitForEnter(io)

	fmt.Fprintln(io.Out, tr.Sprintf("qadoctor %s: checking why Quick Assist cannot keep its secure connection…", d.Build.Version))
	start := time.Now()
	f, sel, err := diagnoseFacts(ctx, opts)
	if err != nil {
		printError(io, err)
		return exitCode(err)
	}
	rep := judgeReport(io, d.Build, f, sel, start)
	if err := renderReport(io, rep, f, reportOptions{Format: "text"}); err != nil {
		printError(io, err)
		return ExitInternal
	}
	dir := os.TempDir()
	if dc.TempDir != nil {
		dir = dc.TempDir()
	}
	page := filepath.Join(dir, "qadoctor-report-"+start.Format("20060102-150405")+".html")
	fmt.Fprintln(io.Out)
	if err := renderReport(io, rep, f, reportOptions{Format: "html", Output: page}); err != nil {
		printError(io, err)
		return ExitInternal
	}
	open := console.Open
	if dc.Open != nil {
		open = dc.Open
	}
	if err := open(page); err != nil {
		fmt.Fprintln(io.Out, tr.Sprintf("Open %s in a browser to read the report (%v).", page, err))
	} else {
		fmt.Fprintln(io.Out, tr.Sprintf("The report is open in your browser: %s", page))
	}
	if rep.Failed() {
		return ExitFailed
	}
	return ExitOK
}

// waitForEnter keeps the console window open until the person has read
// it.
func waitForEnter(io IOStreams) {
	fmt.Fprint(io.Out, "\n"+io.Tr.Sprintf("Press Enter to close this window."))
	if io.In != nil {
		bufio.NewReader(io.In).ReadString('\n')
	}
	fmt.Fprintln(io.Out)
}
