package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/winstate"
)

// CollectOptions are collect's flags and dependencies.
type CollectOptions struct {
	IO     IOStreams
	Build  BuildInfo
	Output string
	// System reads the state to record; nil means the live machine's.
	System func() facts.System
	Now    func() time.Time
}

func newCmdCollect(d *Deps) *cobra.Command {
	opts := &CollectOptions{IO: d.IO, Build: d.Build, System: d.Net.System, Now: d.Net.Now}
	cmd := &cobra.Command{
		Use:   "collect -o FILE",
		Short: "Record this PC's Windows system state in a snapshot for qadoctor analyze",
		Long: `collect reads every registry value the checks judge (SCHANNEL, WinHTTP, Internet Settings, .NET,
cipher-suite policy, FIPS, Windows version, Quick Assist and WebView2) and writes them, set or not,
to a JSON snapshot. Send the file to a helpdesk; qadoctor analyze judges it on any machine.`,
		Example: `  qadoctor collect -o %USERPROFILE%\Desktop\qadoctor-snapshot.json`,
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCollect(opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "", "write the snapshot to `FILE` (required)")
	return cmd
}

func runCollect(opts *CollectOptions) error {
	if opts.Output == "" {
		return usageErrorf("collect needs -o FILE: where to write the snapshot")
	}
	read := orLive(opts.System, winstate.LiveSystem)
	sys := read()
	if sys.State == facts.SystemNotWindows {
		return usageError{winstate.ErrNotWindows}
	}
	if sys.State == facts.SystemError {
		return fmt.Errorf("read the system state: %s", sys.Error)
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	var b bytes.Buffer
	err := winstate.WriteSnapshot(&b, &winstate.Snapshot{
		Schema:    winstate.SnapshotSchema,
		Tool:      "qadoctor " + opts.Build.Version,
		Collected: now().UTC(),
		System:    sys,
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
	fmt.Fprintf(opts.IO.ErrOut, "Wrote %s: %d registry values read, %d of them set. Judge it anywhere with: qadoctor analyze %s\n",
		opts.Output, len(sys.Values), set, filepath.Base(opts.Output))
	return nil
}

func orLive(f, def func() facts.System) func() facts.System {
	if f != nil {
		return f
	}
	return def
}

// writeFileAtomic writes data to path through a temporary file in the same
// folder, synced and renamed, so a crash never leaves half a file.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return usageErrorf("write %s: %w", path, err)
	}
	_, err = tmp.Write(data)
	// Reports and snapshots are for sharing (CreateTemp makes them 0600).
	err = errors.Join(err, tmp.Chmod(0o644), tmp.Sync(), tmp.Close())
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
