package cli

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/qadoctor/qadoctor/internal/profile"
)

func newCmdProfile(d *Deps) *cobra.Command {
	tr := d.IO.Tr
	cmd := &cobra.Command{
		Use:   "profile",
		Short: tr.Sprintf("Show or validate the endpoint profile"),
		Args:  usageArgs(cobra.NoArgs),
	}
	var path string
	show := &cobra.Command{
		Use:   "show",
		Short: tr.Sprintf("Print the profile in use (the built-in one, or --profile FILE)"),
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if path == "" {
				_, err := d.IO.Out.Write(profile.Embedded())
				return err
			}
			p, _, err := loadProfile(path)
			if err != nil {
				return err
			}
			enc := json.NewEncoder(d.IO.Out)
			enc.SetIndent("", "  ")
			return enc.Encode(p)
		},
	}
	show.Flags().StringVar(&path, "profile", "", tr.Sprintf("show this profile `FILE` instead of the built-in one"))
	validate := &cobra.Command{
		Use:   "validate FILE",
		Short: tr.Sprintf("Check a profile file; exit 0 when it is valid, 2 when not"),
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := os.ReadFile(args[0])
			if err != nil {
				return usageErrorf("read profile: %w", err)
			}
			p, err := profile.Parse(args[0], data)
			if err != nil {
				return usageError{err: err}
			}
			required := 0
			for _, e := range p.Endpoints {
				if e.Required {
					required++
				}
			}
			fmt.Fprintln(d.IO.Out, d.IO.Tr.Sprintf("%s: valid profile %s (schema %d), %d endpoints (%d required), minimum TLS %s",
				args[0], p.Version, p.Schema, len(p.Endpoints), required, p.MinTLS))
			return nil
		},
	}
	cmd.AddCommand(show, validate)
	return cmd
}
