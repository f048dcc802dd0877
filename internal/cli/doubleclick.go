package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/qadoctor/qadoctor/internal/console"
	"github.com/qadoctor/qadoctor/internal/leg"
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

	symptom := askSymptom(io)
	fmt.Fprintln(io.Out, tr.Sprintf("qadoctor %s: checking why Quick Assist cannot keep its secure connection…", d.Build.Version))
	start := time.Now()
	f, sel, err := diagnoseFacts(ctx, opts)
	if err != nil {
		printError(io, err)
		return exitCode(err)
	}
	rep := judgeReport(io, d.Build, f, sel, start, symptom)
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
// askSymptom asks, in one question, where the person saw the session
// break; Enter (or anything it cannot read) is "don't know", and the
// diagnosis runs as without it.
func askSymptom(io IOStreams) leg.Step {
	tr := io.Tr
	fmt.Fprintln(io.Out, tr.Sprintf("What happened when Quick Assist failed?"))
	for i, s := range leg.Steps {
		fmt.Fprintf(io.Out, "  %d. %s\n", i+1, s.Seen(tr))
	}
	fmt.Fprint(io.Out, tr.Sprintf("Type its number and press Enter (just Enter: I don't know): "))
	if io.In == nil {
		fmt.Fprintln(io.Out)
		return ""
	}
	answer := readLine(io.In, 64)
	fmt.Fprintln(io.Out)
	n, err := strconv.Atoi(strings.Map(narrowDigit, strings.TrimSpace(answer)))
	if err != nil || n < 1 || n > len(leg.Steps) {
		return ""
	}
	return leg.Steps[n-1]
}

// narrowDigit reads a full-width digit (a Japanese input method's "１") as
// the digit it is.
func narrowDigit(r rune) rune {
	if r >= '０' && r <= '９' {
		return r - '０' + '0'
	}
	return r
}

// readLine reads one line from r a byte at a time, so nothing after it is
// taken from the next question's reader; it keeps at most max bytes and
// drops the rest of a longer line.
func readLine(r io.Reader, max int) string {
	var b []byte
	var one [1]byte
	for {
		n, err := r.Read(one[:])
		if n == 1 {
			if one[0] == '\n' {
				break
			}
			if len(b) < max {
				b = append(b, one[0])
			}
		}
		if err != nil {
			break
		}
	}
	return string(b)
}

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
