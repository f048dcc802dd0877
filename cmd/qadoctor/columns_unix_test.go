//go:build !windows

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/i18n"
	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// overWidth returns the lines of out wider than cols terminal columns
// (a wide Japanese character counts two).
func overWidth(out string, cols int) []string {
	var over []string
	for _, line := range strings.Split(out, "\n") {
		if i18n.Width(line) > cols {
			over = append(over, fmt.Sprintf("%d: %s", i18n.Width(line), line))
		}
	}
	return over
}

// COLUMNS=80 in front of a pipe: every line of the text report fits 80
// columns, in English and Japanese, the long registry paths and file
// names of real .reg exports included (broken after a separator).
func TestReportHonoursColumnsOnAPipe(t *testing.T) {
	dir := testpeer.Samples(t, "reg")
	files, _ := filepath.Glob(filepath.Join(dir, "*.reg"))
	if len(files) == 0 {
		t.Fatalf("no .reg files in %s", dir)
	}
	for _, lang := range []string{"en", "ja"} {
		for _, cols := range []int{80, 60} {
			lines := 0
			for _, f := range files {
				cmd := exec.Command(os.Args[0], "analyze", f, "-v", "--lang", lang)
				cmd.Env = []string{fmt.Sprintf("COLUMNS=%d", cols)}
				_, out, _ := runMain(t, cmd)
				lines += strings.Count(out, "\n")
				if over := overWidth(out, cols); len(over) > 0 {
					t.Errorf("--lang %s, COLUMNS=%d, %s: %d lines wider than %d:\n%s", lang, cols, filepath.Base(f), len(over), cols, strings.Join(over, "\n"))
				}
			}
			if lines < 27*10 {
				t.Errorf("--lang %s: %d lines for 27 files; want the verbose reports", lang, lines)
			}
		}
	}
	// Narrower than a check's status and ID: laid out at 40, the narrowest
	// the report is made for, never wider.
	cmd := exec.Command(os.Args[0], "analyze", files[0], "-v")
	cmd.Env = []string{"COLUMNS=20"}
	if _, out, _ := runMain(t, cmd); len(overWidth(out, 40)) > 0 || len(overWidth(out, 20)) == 0 {
		t.Errorf("COLUMNS=20: lines over 40 columns: %q; want the report laid out at 40", overWidth(out, 40))
	}
	// Without COLUMNS and no terminal in sight (a file, a log) check lines
	// stay one line each: what grep and a ticket want.
	_, out, _ := qadoctor(t, "analyze", files[0], "-v")
	if len(overWidth(out, 80)) == 0 {
		t.Error("with no COLUMNS and no terminal the report was wrapped; want check lines left whole")
	}
}

// In a real 80-column terminal (tmux, no COLUMNS in the environment), the
// width comes from the terminal itself and no line outgrows it: joined
// back (capture-pane -J), a line the terminal had to wrap shows up longer
// than 80.
func TestReportFitsA80ColumnTerminal(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatalf("tmux is not installed (scripts/test installs it): %v", err)
	}
	file := filepath.Join(testpeer.Samples(t, "reg"), "02-pssl-schannel-export-utf16.reg")
	sock := fmt.Sprintf("qadoctor-test-%d", os.Getpid())
	tmux := func(args ...string) (string, error) {
		out, err := exec.Command("tmux", append([]string{"-L", sock}, args...)...).CombinedOutput()
		return string(out), err
	}
	t.Cleanup(func() { tmux("kill-server") })
	script := fmt.Sprintf("env -u COLUMNS QADOCTOR_RUN_MAIN=1 LC_ALL=C %q analyze %q -v; echo END-OF-RUN; sleep 60", os.Args[0], file)
	if out, err := tmux("new-session", "-d", "-x", "80", "-y", "300", "sh", "-c", script); err != nil {
		t.Fatalf("tmux new-session: %v: %s", err, out)
	}
	var screen string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		out, err := tmux("capture-pane", "-p", "-J", "-S", "-", "-t", "0")
		if err != nil {
			t.Fatalf("tmux capture-pane: %v: %s", err, out)
		}
		if strings.Contains(out, "END-OF-RUN") {
			screen = out
			break
		}
	}
	if screen == "" {
		t.Fatal("qadoctor did not finish in the tmux pane within 20 s")
	}
	if n := strings.Count(screen, "\n"); n < 20 {
		t.Fatalf("the pane shows %d lines; want the verbose report:\n%s", n, screen)
	}
	if over := overWidth(screen, 80); len(over) > 0 {
		t.Errorf("%d lines outgrow the 80-column terminal:\n%s", len(over), strings.Join(over, "\n"))
	}
}
