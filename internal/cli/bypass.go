package cli

import (
	"context"
	"slices"

	"github.com/spf13/cobra"

	"github.com/qadoctor/qadoctor/internal/bypass"
)

// BypassOptions are bypass's flags.
type BypassOptions struct {
	IO          IOStreams
	Format      string // list, csv, pac
	ProfilePath string
}

func newCmdBypass(d *Deps) *cobra.Command {
	tr := d.IO.Tr
	opts := &BypassOptions{IO: d.IO}
	cmd := &cobra.Command{
		Use:   "bypass",
		Short: tr.Sprintf("Print the hosts the network team must exempt from TLS inspection and proxying"),
		Long: tr.Sprintf(`bypass prints every host and wildcard of the profile, ready for the network team: a list, a CSV
(host, port, required, purpose), or a PAC file that sends them all DIRECT. Microsoft does not support
inspecting this traffic: "Microsoft 365 services expect a direct, secure TLS connection from client
to service" (learn.microsoft.com/microsoft-365/enterprise/network-intermediation).`),
		Example: `  qadoctor bypass
  qadoctor bypass --format csv > quick-assist-endpoints.csv
  qadoctor bypass --format pac > quick-assist.pac`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return runBypass(cmd.Context(), opts) },
	}
	cmd.Flags().StringVar(&opts.Format, "format", "list", tr.Sprintf("`list`, csv or pac"))
	cmd.Flags().StringVar(&opts.ProfilePath, "profile", "", tr.Sprintf("use this profile `FILE`"))
	return cmd
}

func runBypass(_ context.Context, opts *BypassOptions) error {
	if !slices.Contains(bypass.Formats, opts.Format) {
		return usageErrorf("--format %q: want list, csv or pac", opts.Format)
	}
	p, _, err := loadProfile(opts.ProfilePath)
	if err != nil {
		return err
	}
	return bypass.Write(opts.IO.Out, p, opts.Format)
}
