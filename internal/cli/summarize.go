package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/qadoctor/qadoctor/internal/fleet"
)

// SummarizeOptions are summarize's flags and arguments.
type SummarizeOptions struct {
	IO     IOStreams
	Format string   // text, csv, json, html
	Paths  []string // report files and folders of them
}

func newCmdSummarize(d *Deps) *cobra.Command {
	tr := d.IO.Tr
	opts := &SummarizeOptions{IO: d.IO}
	cmd := &cobra.Command{
		Use:   "summarize DIR|FILE...",
		Short: tr.Sprintf("Sum up many machines' JSON reports: counts per check and cause, top causes, versions"),
		Long: tr.Sprintf(`summarize reads qadoctor diagnose --json reports - collected by Intune, a file share or by hand -
one at a time, in bounded memory, and prints counts per check and per cause, the machines affected,
the top causes and the versions seen. Files that are not readable reports are counted and listed with
the reason, never dropped silently.`),
		Example: `  qadoctor summarize \\fileshare\qadoctor-reports
  qadoctor summarize reports/ --format csv > fleet.csv
  qadoctor summarize reports/ --format html > fleet.html`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			return runSummarize(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Format, "format", "text", tr.Sprintf("`text`, csv, json or html"))
	return cmd
}

func runSummarize(_ context.Context, opts *SummarizeOptions) error {
	io := opts.IO
	write, ok := map[string]func(*fleet.Summary) error{
		"text": func(s *fleet.Summary) error { return fleet.WriteText(io.Out, s, io.Tr) },
		"csv":  func(s *fleet.Summary) error { return fleet.WriteCSV(io.Out, s) },
		"json": func(s *fleet.Summary) error { return fleet.WriteJSON(io.Out, s) },
		"html": func(s *fleet.Summary) error { return fleet.WriteHTML(io.Out, s, io.Tr) },
	}[opts.Format]
	if !ok {
		return usageErrorf("--format %q: want text, csv, json or html", opts.Format)
	}
	s := fleet.New()
	if err := s.AddPaths(opts.Paths); err != nil {
		return usageError{err: err}
	}
	return write(s)
}
