package cli

import (
	"bufio"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/qadoctor/qadoctor/internal/console"
)

// DoubleClickDeps are the seams of a double-click run; nil means the real
// thing.
type DoubleClickDeps struct {
	SaveDir func() string           // where the report and the bundle go; nil: console.SaveFolder (the Desktop)
	Open    func(path string) error // shows the report, or the folder; nil: console.Open
}

// RunDoubleClick is what qadoctor does when someone double-clicks it in
// Explorer: there are no arguments, and the console window closes the
// moment the process ends, so nothing may depend on a flag or an exit
// code. It diagnoses with the defaults, shows the text report with live
// progress in the window, saves the HTML report and the redacted support
// bundle where the person can find them (the Desktop, else Documents),
// opens the report in the default browser, says in one sentence which file
// to send to the helpdesk, and keeps the window open until Enter, offering
// to open the folder. It returns the exit code diagnose would.
func RunDoubleClick(ctx context.Context, d *Deps, dc DoubleClickDeps) int {
	return runDoubleClick(ctx, d, dc, &DiagnoseOptions{Build: d.Build, Env: d.Env, Timeout: DefaultTimeout})
}

func runDoubleClick(ctx context.Context, d *Deps, dc DoubleClickDeps, opts *DiagnoseOptions) int {
	_ = d.speak("") // no arguments: the environment and Windows decide; never fails
	opts.IO = d.IO  // with the Printer speak made
	tr, io := d.IO.Tr, d.IO
	var openFolder func() // set once the files are saved
	defer func() { waitForEnter(io, openFolder) }()

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
	dir := console.SaveFolder()
	if dc.SaveDir != nil {
		dir = dc.SaveDir()
	}
	stamp := start.Format("20060102-150405")
	page := filepath.Join(dir, "qadoctor-report-"+stamp+".html")
	zip := filepath.Join(dir, "qadoctor-bundle-"+stamp+".zip")
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
	if _, err := writeBundle(zip, bundleSource{Build: d.Build, Tr: tr, Env: opts.Env}, f, rep); err != nil {
		printError(io, err)
	} else {
		fmt.Fprintln(io.Out, tr.Sprintf("To get help, send this file to your helpdesk: %s", zip))
		openFolder = func() { open(dir) }
	}
	if rep.Failed() {
		return ExitFailed
	}
	return ExitOK
}

// waitForEnter keeps the console window open until the person has read
// it; with openFolder, "o" and Enter opens the folder the files are in.
func waitForEnter(io IOStreams, openFolder func()) {
	if openFolder != nil {
		fmt.Fprint(io.Out, "\n"+io.Tr.Sprintf("Press Enter to close this window, or O and Enter to open the folder with the files."))
	} else {
		fmt.Fprint(io.Out, "\n"+io.Tr.Sprintf("Press Enter to close this window."))
	}
	if io.In != nil {
		answer, _ := bufio.NewReader(io.In).ReadString('\n')
		if a := strings.TrimSpace(strings.ToLower(answer)); openFolder != nil && (a == "o" || a == "ｏ") {
			openFolder()
		}
	}
	fmt.Fprintln(io.Out)
}
