// Command qadoctor diagnoses why Windows Quick Assist ends sessions with
// "does not meet minimum security requirements".
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/term"

	"github.com/qadoctor/qadoctor/internal/cli"
	"github.com/qadoctor/qadoctor/internal/console"
)

// version is set at build time: -ldflags "-X main.version=1.2.3".
var version = "dev"

func main() {
	// Ctrl-C and a polite end (kill, a closed terminal, a service
	// stopping) cancel the run, so what it started (the browser, its
	// temporary profile) is ended and removed.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	outTTY, errTTY := term.IsTerminal(int(os.Stdout.Fd())), term.IsTerminal(int(os.Stderr.Fd()))
	out, errOut := pipeWriter(os.Stdout), pipeWriter(os.Stderr)
	d := &cli.Deps{
		IO: cli.IOStreams{In: os.Stdin, Out: out, ErrOut: errOut,
			InTTY: term.IsTerminal(int(os.Stdin.Fd())), OutTTY: outTTY, ErrTTY: errTTY,
			Color: colorful(outTTY, errTTY), Columns: columns(outTTY)},
		Build: cli.BuildInfo{Version: version, Commit: commit()},
	}
	var code int
	if len(os.Args) == 1 && console.StartedByExplorer() {
		code = cli.RunDoubleClick(ctx, d, cli.DoubleClickDeps{})
	} else {
		code = cli.Run(ctx, os.Args[1:], d)
	}
	stop()
	for _, w := range []io.Writer{out, errOut} {
		if c, ok := w.(io.Closer); ok {
			c.Close()
		}
	}
	os.Exit(code)
}

// pipeWriter is f, or, when f is a pipe that a Windows reader decodes in
// a code page other than UTF-8 (PowerShell 5.1 capturing qadoctor's
// output), f speaking that code page; see console.CodePageWriter.
func pipeWriter(f *os.File) io.Writer {
	if cp, ok := console.PipeCodePage(f.Fd()); ok {
		if w, ok := console.CodePageWriter(f, cp); ok {
			return w
		}
	}
	return f
}

// minColumns is the narrowest width the text report is laid out for.
const minColumns = 40

// columns is the width the text report wraps at: COLUMNS when it is set
// (a shell's, or a person's COLUMNS=80 in front of a pipe), then the width
// of the terminal the person watches (standard output's, else standard
// error's when the report goes into a pipe such as less or grep), then 80
// on a terminal that says nothing; 0 (check lines unwrapped, causes at 100
// columns) when no terminal is in sight: a file, a log.
func columns(outTTY bool) int {
	// Below 40 columns a check's status and ID alone fill the line: 40 is
	// the narrowest the report is laid out for.
	if n, err := strconv.Atoi(strings.TrimSpace(os.Getenv("COLUMNS"))); err == nil && n >= 1 && n <= 1000 {
		return max(n, minColumns)
	}
	for _, f := range []*os.File{os.Stdout, os.Stderr} {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w >= 1 {
			return max(w, minColumns)
		}
	}
	if outTTY {
		return 80
	}
	return 0
}

// colorful says whether to colour what goes to the terminals: the
// environment allows it, and each terminal takes ANSI escapes (a Windows
// console is switched to virtual terminal processing here).
func colorful(outTTY, errTTY bool) bool {
	if !console.ColorAllowed(os.Getenv) || (!outTTY && !errTTY) {
		return false
	}
	ok := true
	if outTTY {
		ok = ok && console.EnableVirtualTerminal(os.Stdout.Fd())
	}
	if errTTY {
		ok = ok && console.EnableVirtualTerminal(os.Stderr.Fd())
	}
	return ok
}

// commit is the VCS revision the Go toolchain stamped into the binary.
func commit() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" {
			return s.Value
		}
	}
	return ""
}
