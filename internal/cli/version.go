package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/qadoctor/qadoctor/internal/profile"
)

func newCmdVersion(d *Deps) *cobra.Command {
	tr := d.IO.Tr
	return &cobra.Command{
		Use:   "version",
		Short: tr.Sprintf("Show the version of qadoctor and of its built-in profile"),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := profile.Default()
			if err != nil {
				return fmt.Errorf("built-in profile: %w", err)
			}
			fmt.Fprintf(d.IO.Out, "qadoctor %s", d.Build.Version)
			if d.Build.Commit != "" {
				fmt.Fprintf(d.IO.Out, " (commit %s)", d.Build.Commit)
			}
			fmt.Fprintf(d.IO.Out, "\nprofile %s (schema %d, source dated %s)\n", p.Version, p.Schema, p.Source.Date)
			return nil
		},
	}
}
