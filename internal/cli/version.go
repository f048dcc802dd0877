package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/qadoctor/qadoctor/internal/profile"
)

// VersionOptions are what version shows.
type VersionOptions struct {
	IO    IOStreams
	Build BuildInfo
}

func newCmdVersion(d *Deps) *cobra.Command {
	tr := d.IO.Tr
	opts := &VersionOptions{IO: d.IO, Build: d.Build}
	return &cobra.Command{
		Use:   "version",
		Short: tr.Sprintf("Show the version of qadoctor and of its built-in profile"),
		Args:  usageArgs(cobra.NoArgs),
		RunE:  func(cmd *cobra.Command, _ []string) error { return runVersion(cmd.Context(), opts) },
	}
}

func runVersion(_ context.Context, opts *VersionOptions) error {
	p, err := profile.Default()
	if err != nil {
		return fmt.Errorf("built-in profile: %w", err)
	}
	out := opts.IO.Out
	fmt.Fprintf(out, "qadoctor %s", opts.Build.Version)
	if opts.Build.Commit != "" {
		fmt.Fprintf(out, " (commit %s)", opts.Build.Commit)
	}
	fmt.Fprintf(out, "\nprofile %s (schema %d, source dated %s, reviewed %s)\n", p.Version, p.Schema, p.Source.Date, p.ReviewedOn())
	return nil
}
