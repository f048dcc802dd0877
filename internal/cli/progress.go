package cli

import (
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/qadoctor/qadoctor/internal/escape"
	"github.com/qadoctor/qadoctor/internal/gather"
	"github.com/qadoctor/qadoctor/internal/i18n"
)

// ANSI colours, used only where IOStreams says a terminal shows them.
const (
	ansiGreen  = "\x1b[32m"
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiReset  = "\x1b[0m"
)

// progressView shows a run moving on standard error while the probes
// finish. On a terminal it rewrites one line in place with a carriage
// return alone, which the classic Windows console and Windows Terminal
// both honour without escape sequences (colour is added only where the
// terminal takes it); elsewhere (a pipe, a log file) it writes one plain
// line per finished probe, so logs read in order.
type progressView struct {
	mu    sync.Mutex
	w     io.Writer
	tr    *i18n.Printer
	live  bool
	color bool
	drawn int // columns of the line on screen, to blank it
}

// liveWidth keeps the in-place line narrower than a classic 80-column
// console: a line that wraps cannot be rewritten with a carriage return.
const liveWidth = 72

// newProgressView returns the view for io, or nil when quiet.
func newProgressView(io IOStreams, quiet bool) *progressView {
	if quiet || io.ErrOut == nil {
		return nil
	}
	return &progressView{w: io.ErrOut, tr: io.Tr, live: io.ErrTTY, color: io.ErrTTY && io.Color}
}

// update shows one finished probe. It is gather.Options.Progress.
func (v *progressView) update(p gather.Progress) {
	v.mu.Lock()
	defer v.mu.Unlock()
	word := v.tr.Sprintf("ok")
	colour := ansiGreen
	switch {
	case p.NoAnswer:
		word, colour = v.tr.Sprintf("no answer"), ansiYellow
	case !p.OK:
		word, colour = v.tr.Sprintf("failed"), ansiRed
	}
	count := fmt.Sprintf("[%*d/%d]", len(fmt.Sprint(p.Total)), p.Done, p.Total)
	if !v.live {
		fmt.Fprintf(v.w, "qadoctor: %s %s: %s\n", count, escape.Terminal(v.tr.Text(p.Task)), word)
		return
	}
	head := v.tr.Sprintf("Checking %s", count)
	task := i18n.Truncate(escape.Terminal(v.tr.Text(p.Task)), max(2, liveWidth-i18n.Width(head)-i18n.Width(word)-2))
	line := head + " " + task + " "
	width := i18n.Width(line) + i18n.Width(word) // columns, so a shorter redraw blanks a longer one
	if v.color {
		word = colour + word + ansiReset
	}
	fmt.Fprint(v.w, "\r"+line+word+strings.Repeat(" ", max(0, v.drawn-width)))
	v.drawn = width
}

// done blanks the live line, so the report starts on a clean screen.
func (v *progressView) done() {
	if v == nil {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.live && v.drawn > 0 {
		fmt.Fprint(v.w, "\r"+strings.Repeat(" ", v.drawn)+"\r")
		v.drawn = 0
	}
}

// callback is the view as a gather.Options.Progress, nil when quiet.
func (v *progressView) callback() func(gather.Progress) {
	if v == nil {
		return nil
	}
	return v.update
}
