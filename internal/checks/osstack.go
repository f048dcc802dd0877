package checks

import (
	"strings"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/i18n"
)

var titleOSStack = i18n.Key("Windows' own HTTP stack (WinHTTP) reaches the service")

func judgeOSStack(f *facts.Facts, tr *i18n.Printer) finding.Finding {
	o := f.OSStack
	ev := []finding.Evidence{{Subject: o.URL, Facts: o}}
	switch o.State {
	case facts.OSStackNotSelected, "":
		return finding.Finding{Status: finding.Skip, Summary: tr.Sprintf("Not checked.")}
	case facts.OSStackNotWindows:
		return finding.Finding{Status: finding.Skip, Summary: tr.Sprintf("Windows only: the request goes through WinHTTP, with SCHANNEL and the system proxy.")}
	case facts.OSStackOK:
		ev[0].Status = finding.Pass
		ev[0].Detail = tr.Sprintf("HTTP %d in %s", o.StatusCode, fmtMS(o.DurationMS))
		return finding.Finding{Status: finding.Pass, Evidence: ev,
			Summary: tr.Sprintf("WinHTTP, with SCHANNEL and the system proxy, got an HTTP answer (%d) from %s.", o.StatusCode, o.URL)}
	}
	ev[0].Status = finding.Fail
	what := o.Error
	if o.CutOff {
		what = tr.Sprintf("no answer before the run's deadline")
	}
	if o.ErrorName != "" {
		what = tr.Sprintf("%s (%d): %s", o.ErrorName, o.ErrorCode, tr.Text(o.Meaning))
	}
	ev[0].Detail = what
	fd := finding.Finding{Status: finding.Fail, Evidence: ev,
		Reason:  "os-stack-" + strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(o.ErrorName, "ERROR_WINHTTP_")), "_", "-"),
		Summary: tr.Sprintf("WinHTTP could not reach %s: %s.", o.URL, what),
		Fix: []string{
			tr.Sprintf("Check os.schannel, os.winhttp and os.cipher-policy in this report: they govern this request."),
			tr.Sprintf("Check the system proxy: netsh winhttp show proxy, and Settings > Network & internet > Proxy."),
		},
	}
	if o.ErrorName == "" {
		fd.Reason = "os-stack-" + o.State
	}
	fd.Cause = tr.Sprintf("Windows' own HTTP stack could not make the secure connection: %s.", what)
	// Go's own TLS got through to the same endpoint: the difference is
	// this PC's Windows settings (SCHANNEL policy, cipher suites, proxy).
	for _, e := range f.Endpoints {
		if strings.Contains(o.URL, "//"+e.Endpoint.Address()+"/") && e.TLS.State == facts.StepOK && e.TLS.Verified {
			fd.Cause += tr.Sprintf(" qadoctor's own TLS reached the same endpoint, so the network is fine: Windows' TLS settings or its proxy configuration are to blame.")
			fd.Reason += "-local"
		}
	}
	return fd
}
