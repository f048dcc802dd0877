// Command qadoctor diagnoses why Windows Quick Assist ends sessions with
// "does not meet minimum security requirements".
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"

	"golang.org/x/term"

	"github.com/qadoctor/qadoctor/internal/cli"
)

// version is set at build time: -ldflags "-X main.version=1.2.3".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := cli.Run(ctx, os.Args[1:], &cli.Deps{
		IO:    cli.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr, InTTY: term.IsTerminal(int(os.Stdin.Fd()))},
		Build: cli.BuildInfo{Version: version, Commit: commit()},
	})
	stop()
	os.Exit(code)
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
