package cli

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/qadoctor/qadoctor/internal/atomicfile"
	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/gather"
	"github.com/qadoctor/qadoctor/internal/profile"
	"github.com/qadoctor/qadoctor/internal/winstate"
)

// CollectOptions are collect's flags and dependencies.
type CollectOptions struct {
	IO     IOStreams
	Build  BuildInfo
	Output string
	Since  time.Duration
	Env    gather.Env // its System reads the state to record; nil: the live machine's
}

func newCmdCollect(d *Deps) *cobra.Command {
	tr := d.IO.Tr
	opts := &CollectOptions{IO: d.IO, Build: d.Build, Env: d.Env}
	cmd := &cobra.Command{
		Use:   "collect -o FILE",
		Short: tr.Sprintf("Record this PC's Windows system state in a snapshot for qadoctor analyze"),
		Long: tr.Sprintf(`collect reads every registry value the checks judge (SCHANNEL, WinHTTP, Internet Settings, .NET,
cipher-suite policy, FIPS, Windows version, Quick Assist and WebView2) and writes them, set or not,
to a JSON snapshot. Send the file to a helpdesk; qadoctor analyze judges it on any machine.`),
		Example: `  qadoctor collect -o %USERPROFILE%\Desktop\qadoctor-snapshot.json`,
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCollect(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "", tr.Sprintf("write the snapshot to `FILE` (required)"))
	addSinceFlag(cmd, &opts.Since, tr)
	return cmd
}

// collectSessions reads the PC's record of its last sessions for a
// snapshot, under diagnose's default deadline.
func collectSessions(ctx context.Context, env gather.Env, since time.Duration) facts.Sessions {
	if since == 0 {
		since = gather.DefaultSince
	}
	p, err := profile.Default()
	if err != nil {
		return facts.Sessions{State: facts.SessionsError, Error: err.Error()}
	}
	ctx, cancel := context.WithTimeout(ctx, DefaultTimeout)
	defer cancel()
	until := env.Now().UTC()
	return env.Sessions(ctx, until.Add(-since), until, p.ServesSessionPages)
}

func runCollect(ctx context.Context, opts *CollectOptions) error {
	if opts.Output == "" {
		return usageErrorf("collect needs -o FILE: where to write the snapshot")
	}
	if err := checkSince(opts.Since); err != nil {
		return err
	}
	env := opts.Env.Live()
	sys := env.System()
	if sys.State == facts.SystemNotWindows {
		return usageError{err: winstate.ErrNotWindows}
	}
	if sys.State == facts.SystemError {
		return fmt.Errorf("read the system state: %s", sys.Error)
	}
	sessions := collectSessions(ctx, env, opts.Since)
	// The account whose History was read is for a bundle's redactor; a
	// snapshot is sent as it is, so it keeps no user name (its path is
	// already from %LOCALAPPDATA% on, and the records keep no names).
	sessions.History.User = ""
	var b bytes.Buffer
	err := winstate.WriteSnapshot(&b, &winstate.Snapshot{
		Schema:    winstate.SnapshotSchema,
		Tool:      "qadoctor " + opts.Build.Version,
		Collected: env.Now().UTC(),
		System:    sys,
		Sessions:  &sessions,
	})
	if err != nil {
		return fmt.Errorf("encode snapshot: %w", err)
	}
	if err := writeFileAtomic(opts.Output, b.Bytes()); err != nil {
		return err
	}
	set := 0
	for _, v := range sys.Values {
		if v.State == facts.ValueSet {
			set++
		}
	}
	fmt.Fprintln(opts.IO.ErrOut, opts.IO.Tr.Sprintf("Wrote %s: %d registry values read, %d of them set. Judge it anywhere with: qadoctor analyze %s",
		opts.Output, len(sys.Values), set, filepath.Base(opts.Output)))
	fmt.Fprintln(opts.IO.ErrOut, opts.IO.Tr.Sprintf("Past sessions: %d pages of the service from Quick Assist's History, %d event records that matter (%s).",
		len(sessions.Visits), len(sessions.Records), sessions.State))
	return nil
}

// writeFileAtomic writes a report, snapshot or bundle for sharing, whole
// or not at all.
func writeFileAtomic(path string, data []byte) error {
	if err := atomicfile.Write(path, data, 0o666); err != nil {
		return usageError{err: err}
	}
	return nil
}
