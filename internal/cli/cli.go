// Package cli is qadoctor's command line: one file per command, each with
// an options struct holding its dependencies and flags (XOptions) and a run
// function that tests call directly (runX). What a command touches of the
// world comes through gather.Env (diagnosing) and FixDeps (changing); the
// domain lives in the packages whose job it is (gather, checks, fix,
// report, bundle, intune, bypass, fleet). fix and intune remediate share
// one repair pipeline (repairs, in fix.go). Exit codes are decided here, in
// one place (exitCode), and usage errors are said in the person's language
// at one door (printError).
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/qadoctor/qadoctor/internal/escape"
	"github.com/qadoctor/qadoctor/internal/gather"
	"github.com/qadoctor/qadoctor/internal/i18n"
	"github.com/qadoctor/qadoctor/internal/profile"
)

// Exit codes, documented in README.md.
const (
	ExitOK       = 0 // nothing failed
	ExitFailed   = 1 // at least one finding failed
	ExitUsage    = 2 // usage error or bad input (a flag, a profile, a CA file)
	ExitInternal = 3 // the tool itself broke
	// ExitNotApplied: fix or undo changed nothing because consent was not
	// given or administrator rights are missing.
	ExitNotApplied = 4
)

// IOStreams carries where a command reads and writes. Reports go to Out;
// progress, warnings and errors go to ErrOut so Out stays parseable.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	// InTTY says standard input is a terminal a person can answer a
	// question on; fix asks for consent only then.
	InTTY bool
	// ErrTTY says ErrOut is a terminal: progress rewrites one line in
	// place there, and is written as plain lines elsewhere.
	ErrTTY bool
	// OutTTY says Out is a terminal, where the text report may be coloured.
	OutTTY bool
	// Columns is the width the text report wraps at: COLUMNS, else the
	// terminal's; 0 when no terminal is in sight and COLUMNS is not set.
	Columns int
	// Color says the terminals take ANSI colours: NO_COLOR is not set,
	// TERM is not dumb, and on Windows the console accepted virtual
	// terminal processing.
	Color bool
	// Tr speaks the person's language. Every command's copy of the streams
	// shares it; the root command sets its language from --lang or the
	// environment (Deps.speak). Nil until Deps.printer makes it.
	Tr *i18n.Printer
}

// BuildInfo identifies the build.
type BuildInfo struct {
	Version string
	Commit  string
}

// usageError is bad input from the person: a flag, a file they named.
// One made by usageErrorf keeps its message's format and arguments, so
// Run can say it in the person's language.
type usageError struct {
	err    error
	format string
	args   []any
}

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// usageErrorf makes a usage error from an English fmt format, which is
// also its catalog key.
//
// i18n:message-format
func usageErrorf(format string, args ...any) error {
	return usageError{err: fmt.Errorf(format, args...), format: format, args: args}
}

// message says err in tr's language where it can: a usage error made by
// usageErrorf is translated whole (the errors it wraps stay as they are);
// any other error is shown as it is.
func message(err error, tr *i18n.Printer) string {
	if ue, ok := err.(usageError); ok && ue.format != "" {
		// %w only means something to fmt.Errorf.
		return fmt.Sprintf(strings.ReplaceAll(tr.Text(ue.format), "%w", "%v"), ue.args...)
	}
	return err.Error()
}

// errFindingsFailed says the report has been printed and a finding failed.
var errFindingsFailed = errors.New("at least one check failed")

// notAppliedError says fix or undo changed nothing, and why.
type notAppliedError struct{ why string }

func (e notAppliedError) Error() string { return e.why }

// exitCode maps a command's error to the process exit code.
func exitCode(err error) int {
	var ue usageError
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, errFindingsFailed):
		return ExitFailed
	case errors.As(err, &ue):
		return ExitUsage
	case errors.As(err, new(notAppliedError)):
		return ExitNotApplied
	}
	return ExitInternal
}

// Deps are the outside world a command may touch. Nil fields mean the real
// thing; tests replace them.
type Deps struct {
	IO    IOStreams
	Build BuildInfo
	Env   gather.Env // the network, the registry, the environment; nil fields: this machine's own
	Fix   FixDeps
	// UILanguage is the Windows display language ("ja-JP"); nil: the
	// user's own (i18n.UILanguage).
	UILanguage func() string
}

// NewRootCmd builds the qadoctor command tree.
func NewRootCmd(d *Deps) *cobra.Command {
	tr := d.printer()
	// qadoctor answers a double-click itself (RunDoubleClick) instead of
	// cobra's "This is a command line tool" splash.
	cobra.MousetrapHelpText = ""
	var lang string
	root := &cobra.Command{
		Use:   "qadoctor",
		Short: tr.Sprintf("Find out why Quick Assist ends with \"does not meet minimum security requirements\""),
		Long: tr.Sprintf(`qadoctor diagnoses why Windows Quick Assist cannot build its secure channel to Microsoft:
DNS, blocked endpoints, hosts-file entries, old TLS in the path, untrusted certificates.`),
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(*cobra.Command, []string) error {
			return d.speak(lang)
		},
	}
	root.PersistentFlags().StringVar(&lang, "lang", "", tr.Sprintf("language of the report and messages: `en` or ja (default: the Windows display language, or LC_ALL/LC_MESSAGES/LANG)"))
	cobra.AddTemplateFunc("qadoctorReplace", qadoctorReplace) // a pure function: the same for every tree
	root.SetIn(d.IO.In)
	root.SetOut(d.IO.Out)
	root.SetErr(d.IO.ErrOut)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err: err} })
	root.AddCommand(newCmdDiagnose(d, nil), newCmdFix(d), newCmdUndo(d), newCmdBypass(d), newCmdIntune(d), newCmdBundle(d), newCmdSummarize(d), newCmdAnalyze(d), newCmdCollect(d), newCmdProfile(d), newCmdVersion(d))
	localizeHelp(root, tr) // after the commands: it gives each its --help
	return root
}

// printer is the Printer every command shares, made on first use.
func (d *Deps) printer() *i18n.Printer {
	if d.IO.Tr == nil {
		d.IO.Tr = i18n.New(i18n.English)
	}
	return d.IO.Tr
}

// speak sets the language: --lang's value when given, else what the
// environment and the Windows display language say. A bad --lang is a
// usage error, and the language stays as it was.
func (d *Deps) speak(flag string) error {
	l, err := i18n.ParseLang(flag)
	switch {
	case flag == "":
		ui := d.UILanguage
		if ui == nil {
			ui = i18n.UILanguage
		}
		l = i18n.Detect(d.Env.Live().Getenv, ui)
	case err != nil:
		return usageError{err: err}
	}
	d.printer().SetLang(l)
	return nil
}

// langArg finds --lang's value among the arguments, before cobra parses
// them; "" when it is not given.
func langArg(args []string) string {
	for i, a := range args {
		switch {
		case a == "--":
			return ""
		case a == "--lang" && i+1 < len(args):
			return args[i+1]
		case strings.HasPrefix(a, "--lang="):
			return strings.TrimPrefix(a, "--lang=")
		}
	}
	return ""
}

// localizeHelp translates the headings of cobra's usage template. Should
// cobra change its template, the headings that no longer match stay in
// English.
func localizeHelp(cmd *cobra.Command, tr *i18n.Printer) {
	if tr.Lang() == i18n.English {
		return
	}
	t := cmd.UsageTemplate()
	for _, h := range []struct{ en, local string }{
		{"Usage:", tr.Sprintf("Usage:")},
		{"Aliases:", tr.Sprintf("Aliases:")},
		{"Examples:", tr.Sprintf("Examples:")},
		{"Available Commands:", tr.Sprintf("Available Commands:")},
		{"Additional Commands:", tr.Sprintf("Additional Commands:")},
		{"Global Flags:", tr.Sprintf("Global Flags:")},
		{"\nFlags:", "\n" + tr.Sprintf("Flags:")},
		{"Additional help topics:", tr.Sprintf("Additional help topics:")},
		{`Use "{{.CommandPath}} [command] --help" for more information about a command.`,
			tr.Sprintf(`Use "%s" for more information about a command.`, `{{.CommandPath}} [command] --help`)},
		// pflag writes "(default 15s)" itself: the words are replaced in
		// what it wrote.
		{"{{.LocalFlags.FlagUsages | trimTrailingWhitespaces}}", `{{.LocalFlags.FlagUsages | qadoctorReplace "(default " ` + strconv.Quote(tr.Sprintf("(default ")) + ` | trimTrailingWhitespaces}}`},
		{"{{.InheritedFlags.FlagUsages | trimTrailingWhitespaces}}", `{{.InheritedFlags.FlagUsages | qadoctorReplace "(default " ` + strconv.Quote(tr.Sprintf("(default ")) + ` | trimTrailingWhitespaces}}`},
	} {
		t = strings.ReplaceAll(t, h.en, h.local)
	}
	cmd.SetUsageTemplate(t)
	// cobra's own commands and flags, in the person's language: its help
	// command, each command's --help, and (hidden, as it has no
	// translation) the shell-completion command.
	cmd.SetHelpCommand(&cobra.Command{
		Use:   "help [command]",
		Short: tr.Sprintf("Help about any command"),
		Run: func(c *cobra.Command, args []string) {
			target, _, err := c.Root().Find(args)
			if target == nil || err != nil {
				c.Println(tr.Sprintf("Unknown help topic %q.", strings.Join(args, " ")))
				c.Root().Usage()
				return
			}
			target.InitDefaultHelpFlag()
			target.Help()
		},
	})
	cmd.CompletionOptions.HiddenDefaultCmd = true
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Flags().Lookup("help") == nil {
			c.Flags().BoolP("help", "h", false, tr.Sprintf("help for %s", c.Name()))
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(cmd)
}

// qadoctorReplace is a template function for the usage template: in s,
// old becomes new (pflag's "(default …)" in the person's language).
func qadoctorReplace(old, new, s string) string { return strings.ReplaceAll(s, old, new) }

// Run runs qadoctor with args and returns the exit code. Errors are
// printed to ErrOut.
func Run(ctx context.Context, args []string, d *Deps) int {
	// Help is written before any hook runs, so the language is chosen from
	// the arguments now; the root's hook checks --lang again and reports a
	// bad value.
	_ = d.speak(langArg(args)) // a bad value is reported once the flags are parsed
	root := NewRootCmd(d)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err != nil && !errors.Is(err, errFindingsFailed) {
		// cobra reports unknown commands and argument-count errors as plain
		// errors; they are usage errors all the same.
		if !errors.As(err, new(usageError)) && isCobraUsage(err) {
			err = usageError{err: err}
		}
		printError(d.IO, err)
	}
	return exitCode(err)
}

// printError says err on ErrOut in the person's language, with the hint
// to --help after a usage error.
func printError(io IOStreams, err error) {
	// An error may quote a file or a peer: it is shown, never acted on.
	// A profile's problems are one line each; a line break anywhere else
	// (a file name, a peer's text) stays visible, so no text can pass
	// for a line of qadoctor's own.
	var pe profile.Errors
	if errors.As(err, &pe) {
		for _, e := range pe {
			fmt.Fprintf(io.ErrOut, "qadoctor: %s\n", escape.Terminal(e.Error()))
		}
	} else {
		fmt.Fprintf(io.ErrOut, "qadoctor: %s\n", escape.Terminal(message(err, io.Tr)))
	}
	if exitCode(err) == ExitUsage {
		fmt.Fprintln(io.ErrOut, io.Tr.Sprintf("Run 'qadoctor --help' for usage."))
	}
}

// isCobraUsage recognises the one usage error cobra does not let us type:
// an unknown subcommand.
func isCobraUsage(err error) bool {
	return strings.HasPrefix(err.Error(), "unknown command ")
}

// usageArgs makes a positional-argument validator's errors usage errors.
func usageArgs(v cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := v(cmd, args); err != nil {
			return usageError{err: err}
		}
		return nil
	}
}
