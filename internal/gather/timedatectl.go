package gather

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os/exec"
	"strings"

	"github.com/qadoctor/qadoctor/internal/facts"
)

// Runner runs a program and returns its standard output. exec.CommandContext
// implements it (ExecRunner); tests give recorded output.
type Runner interface {
	Output(ctx context.Context, name string, args ...string) ([]byte, error)
}

// ExecRunner runs programs with os/exec, argument vectors only.
type ExecRunner struct{}

// Output implements Runner.
func (ExecRunner) Output(ctx context.Context, name string, args ...string) ([]byte, error) {
	return exec.CommandContext(ctx, name, args...).Output()
}

// Timedatectl reads how a Linux machine keeps time from `timedatectl show`
// (systemd). Where timedatectl is missing or cannot reach timedated (a
// container without systemd), it says so.
func Timedatectl(run Runner) func(context.Context) facts.ClockSettings {
	return func(ctx context.Context) facts.ClockSettings {
		out, err := run.Output(ctx, "timedatectl", "show")
		var ee *exec.Error
		switch {
		case errors.As(err, &ee):
			return facts.ClockSettings{State: facts.ClockSettingsUnavailable, Source: "timedatectl", Problem: facts.ClockNotInstalled}
		case err != nil:
			msg := err.Error()
			var xe *exec.ExitError
			if errors.As(err, &xe) && len(bytes.TrimSpace(xe.Stderr)) > 0 {
				msg = strings.Join(strings.Fields(string(bytes.TrimSpace(xe.Stderr))), " ")
			}
			return facts.ClockSettings{State: facts.ClockSettingsUnavailable, Source: "timedatectl", Problem: facts.ClockToolFailed, Error: msg}
		}
		return facts.ClockSettings{State: facts.ClockSettingsRead, Source: "timedatectl", Values: ParseTimedatectl(out)}
	}
}

// ParseTimedatectl reads `timedatectl show` output: Key=Value lines.
func ParseTimedatectl(out []byte) map[string]string {
	v := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if k, val, ok := strings.Cut(sc.Text(), "="); ok && k != "" {
			v[k] = val
		}
	}
	return v
}
