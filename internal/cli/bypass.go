package cli

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/qadoctor/qadoctor/internal/profile"
)

func newCmdBypass(d *Deps) *cobra.Command {
	tr := d.IO.Tr
	var format, path string
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
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, _, err := loadProfile(path)
			if err != nil {
				return err
			}
			switch format {
			case "list":
				return writeBypassList(d.IO.Out, p)
			case "csv":
				return writeBypassCSV(d.IO.Out, p)
			case "pac":
				return writeBypassPAC(d.IO.Out, p)
			}
			return usageErrorf("--format %q: want list, csv or pac", format)
		},
	}
	cmd.Flags().StringVar(&format, "format", "list", tr.Sprintf("`list`, csv or pac"))
	cmd.Flags().StringVar(&path, "profile", "", tr.Sprintf("use this profile `FILE`"))
	return cmd
}

func writeBypassList(w io.Writer, p *profile.Profile) error {
	fmt.Fprintf(w, "# Quick Assist endpoints (profile %s, from %s, %s): exempt them from TLS inspection and proxy authentication.\n", p.Version, p.Source.URL, p.Source.Date)
	for _, e := range p.Endpoints {
		req := "required"
		if !e.Required {
			req = "optional"
		}
		fmt.Fprintf(w, "%s:%d\t# %s: %s\n", e.Host, e.Port, req, e.Purpose)
	}
	return nil
}

func writeBypassCSV(w io.Writer, p *profile.Profile) error {
	c := csv.NewWriter(w)
	c.Write([]string{"host", "port", "required", "purpose"})
	for _, e := range p.Endpoints {
		c.Write([]string{e.Host, fmt.Sprint(e.Port), fmt.Sprint(e.Required), e.Purpose})
	}
	c.Flush()
	return c.Error()
}

// writeBypassPAC writes a PAC file that returns DIRECT for every profile
// endpoint and leaves everything else to the existing proxy ("PROXY_HERE").
func writeBypassPAC(w io.Writer, p *profile.Profile) error {
	var b strings.Builder
	fmt.Fprintf(&b, "// Quick Assist endpoints go DIRECT (qadoctor profile %s, %s).\n", p.Version, p.Source.Date)
	b.WriteString("// Replace PROXY_HERE with the proxy other traffic uses, or merge the list into the existing PAC.\n")
	b.WriteString("function FindProxyForURL(url, host) {\n  host = host.toLowerCase();\n")
	for _, e := range p.Endpoints {
		if e.IsWildcard() {
			fmt.Fprintf(&b, "  if (dnsDomainIs(host, %q)) return \"DIRECT\";\n", e.Host[1:])
		} else {
			fmt.Fprintf(&b, "  if (host == %q) return \"DIRECT\";\n", strings.ToLower(e.Host))
		}
	}
	b.WriteString("  return \"PROXY PROXY_HERE\";\n}\n")
	_, err := io.WriteString(w, b.String())
	return err
}
