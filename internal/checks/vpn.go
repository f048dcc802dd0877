package checks

import (
	"cmp"
	_ "embed"
	"strings"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/i18n"
)

var titleVPN = i18n.Key("No VPN sits between this PC and Microsoft")

//go:embed vpn-adapters.json
var vpnAdaptersJSON []byte

type vpnTable struct {
	Source   string `json:"source"`
	Date     string `json:"date"`
	Adapters []struct {
		Vendor string   `json:"vendor"`
		Match  []string `json:"match"` // substrings of a description, or name prefixes
	} `json:"adapters"`
}

// vpnVendor names the VPN client an interface belongs to, from its
// description (Windows) or its name (Unix); "" when none matches.
func vpnVendor(t vpnTable, i facts.NetInterface) string {
	desc, name := strings.ToLower(i.Description), strings.ToLower(i.Name)
	for _, a := range t.Adapters {
		for _, m := range a.Match {
			m = strings.ToLower(m)
			if (desc != "" && strings.Contains(desc, m)) || strings.HasPrefix(name, m) {
				return a.Vendor
			}
		}
	}
	return ""
}

func judgeVPN(f *facts.Facts, tr *i18n.Printer) finding.Finding {
	n := f.Network
	switch n.State {
	case "read":
	case "error":
		if n.CutOff {
			return finding.Finding{Status: finding.Error, Summary: tr.Sprintf("Listing the network interfaces did not finish before the run's deadline.")}
		}
		return finding.Finding{Status: finding.Error, Summary: tr.Sprintf("Could not list the network interfaces: %s", n.Error)}
	default:
		return finding.Finding{Status: finding.Skip, Summary: tr.Sprintf("Not checked.")}
	}
	table, err := loadData[vpnTable](vpnAdaptersJSON)
	if err != nil {
		return finding.Finding{Status: finding.Error, Summary: tr.Sprintf("The built-in VPN adapter table is broken: %v", err)}
	}
	var ev []finding.Evidence
	var vpns []string
	fullTunnel := ""
	for _, i := range n.Interfaces {
		if !i.Up {
			continue
		}
		vendor := vpnVendor(table, i)
		if vendor == "" && i.Type != "tunnel" && i.Type != "ppp" {
			continue
		}
		name := i.Name
		if i.Description != "" {
			name += " (" + i.Description + ")"
		}
		what := vendor
		if what == "" {
			what = tr.Sprintf("an unrecognised %s interface", i.Type)
		}
		detail := tr.Sprintf("%s, type %s", what, i.Type)
		if n.DefaultRoute == i.Name {
			detail += tr.Sprintf("; the default route leaves by it")
			fullTunnel = name
		}
		ev = append(ev, finding.Evidence{Subject: name, Status: finding.Warn, Detail: detail, Facts: i})
		vpns = append(vpns, tr.Sprintf("%s (%s)", i.Name, what))
	}
	if len(vpns) == 0 {
		return finding.Finding{Status: finding.Pass, Summary: tr.Sprintf("No VPN or tunnel interface is up (default route: %s).", cmp.Or(n.DefaultRoute, tr.Sprintf("unknown")))}
	}
	fd := finding.Finding{Status: finding.Warn, Reason: "vpn-active", Evidence: ev,
		Summary: tr.Sprintf("A VPN is active: %s.", strings.Join(vpns, ", ")),
		Cause:   tr.Sprintf("A VPN can route Microsoft's traffic through a company network, its proxy or its TLS inspection. If Quick Assist works with the VPN off, the VPN is the cause."),
		Fix: []string{
			tr.Sprintf("Disconnect the VPN (Settings > Network & internet > VPN; Win+R, then ms-settings:network-vpn) and try Quick Assist again."),
			tr.Sprintf("If it works without the VPN, ask the VPN administrator to exclude Quick Assist's endpoints from the tunnel (split tunnelling): qadoctor bypass lists them."),
		}}
	if fullTunnel != "" {
		fd.Reason = "vpn-full-tunnel"
		fd.Summary += tr.Sprintf(" All traffic leaves by %s.", fullTunnel)
	}
	return fd
}
