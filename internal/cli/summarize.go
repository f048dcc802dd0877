package cli

import (
	"github.com/spf13/cobra"

	"github.com/qadoctor/qadoctor/internal/fleet"
)

func newCmdSummarize(d *Deps) *cobra.Command {
	tr := d.IO.Tr
	var format string
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
			write, ok := map[string]func(*cobra.Command, *fleet.Summary) error{
				"text": func(c *cobra.Command, s *fleet.Summary) error { return fleet.WriteText(d.IO.Out, s, d.IO.Tr) },
				"csv":  func(c *cobra.Command, s *fleet.Summary) error { return fleet.WriteCSV(d.IO.Out, s) },
				"json": func(c *cobra.Command, s *fleet.Summary) error { return fleet.WriteJSON(d.IO.Out, s) },
				"html": func(c *cobra.Command, s *fleet.Summary) error { return fleet.WriteHTML(d.IO.Out, s, d.IO.Tr) },
			}[format]
			if !ok {
				return usageErrorf("--format %q: want text, csv, json or html", format)
			}
			s := fleet.New()
			if err := s.AddPaths(args); err != nil {
				return usageError{err: err}
			}
			return write(cmd, s)
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", tr.Sprintf("`text`, csv, json or html"))
	return cmd
}
