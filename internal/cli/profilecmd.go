package cli

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/qadoctor/qadoctor/internal/escape"
	"github.com/qadoctor/qadoctor/internal/inputfile"
	"github.com/qadoctor/qadoctor/internal/profile"
)

// ProfileOptions are profile show's and profile validate's flags and
// arguments.
type ProfileOptions struct {
	IO   IOStreams
	Path string // show: the profile to show ("" the built-in one); validate: the file to check
}

func newCmdProfile(d *Deps) *cobra.Command {
	tr := d.IO.Tr
	cmd := &cobra.Command{
		Use:   "profile",
		Short: tr.Sprintf("Show or validate the endpoint profile"),
		Args:  usageArgs(cobra.NoArgs),
	}
	showOpts := &ProfileOptions{IO: d.IO}
	show := &cobra.Command{
		Use:   "show",
		Short: tr.Sprintf("Print the profile in use (the built-in one, or --profile FILE)"),
		Args:  usageArgs(cobra.NoArgs),
		RunE:  func(cmd *cobra.Command, _ []string) error { return runProfileShow(cmd.Context(), showOpts) },
	}
	show.Flags().StringVar(&showOpts.Path, "profile", "", tr.Sprintf("show this profile `FILE` instead of the built-in one"))
	validateOpts := &ProfileOptions{IO: d.IO}
	validate := &cobra.Command{
		Use:   "validate FILE",
		Short: tr.Sprintf("Check a profile file; exit 0 when it is valid, 2 when not"),
		Args:  usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			validateOpts.Path = args[0]
			return runProfileValidate(cmd.Context(), validateOpts)
		},
	}
	cmd.AddCommand(show, validate)
	return cmd
}

func runProfileShow(_ context.Context, opts *ProfileOptions) error {
	if opts.Path == "" {
		_, err := opts.IO.Out.Write(profile.Embedded())
		return err
	}
	p, _, err := loadProfile(opts.Path)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	// A profile is someone else's text: nothing in it may reorder or hide
	// what the terminal shows.
	_, err = opts.IO.Out.Write(append(escape.JSON(b), '\n'))
	return err
}

func runProfileValidate(_ context.Context, opts *ProfileOptions) error {
	data, err := inputfile.Read(opts.Path, 2*profile.MaxSize)
	if err == nil {
		data, err = inputfile.UTF8(data)
	}
	if err != nil {
		return usageErrorf("read profile: %w", err)
	}
	p, err := profile.Parse(opts.Path, data)
	if err != nil {
		return usageError{err: err}
	}
	required := 0
	for _, e := range p.Endpoints {
		if e.Required {
			required++
		}
	}
	fmt.Fprintln(opts.IO.Out, escape.Terminal(opts.IO.Tr.Sprintf("%s: valid profile %s (schema %d), %d endpoints (%d required), minimum TLS %s",
		opts.Path, p.Version, p.Schema, len(p.Endpoints), required, p.MinTLS)))
	return nil
}
