//go:build !windows

package report

import (
	"bytes"
	"context"
	"crypto/x509"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/checks"
	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/gather"
	"github.com/qadoctor/qadoctor/internal/i18n"
	"github.com/qadoctor/qadoctor/internal/profile"
	"github.com/qadoctor/qadoctor/internal/proxy"
	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// The same as TestJapaneseReportHasNoEnglishOfOurs, for facts a real run
// recorded: squid, intercepting with a CA named like Zscaler's, refusing
// one endpoint's port and holding the handshake of a silent one until the
// deadline; beside it, a direct run to a closed port and a silent server.
func TestJapaneseLiveReportHasNoEnglishOfOurs(t *testing.T) {
	pki := testpeer.LocalPKI(t)
	now := time.Now()
	zscaler := testpeer.NewPKI(t, testpeer.TempDir(t), "Zscaler Root CA", now.Add(-time.Hour), now.Add(24*time.Hour), "unused.test")
	good := testpeer.TLSServer(t, pki.Cert, testpeer.ServerOptions{})
	refused := testpeer.TLSServer(t, pki.Cert, testpeer.ServerOptions{})
	silent := testpeer.SilentServer(t)
	through := func(o testpeer.SquidOptions) *proxy.Settings {
		s, err := proxy.FromFlag("http://" + testpeer.Squid(t, o))
		if err != nil {
			t.Fatal(err)
		}
		return &s
	}
	roots := x509.NewCertPool()
	roots.AddCert(pki.CA)
	endpoints := func(addrs ...string) *profile.Profile {
		p := &profile.Profile{Schema: 1, Version: "test", MinTLS: "1.2", NTPServers: []string{testpeer.ClosedPort(t)}}
		for _, a := range addrs {
			p.Endpoints = append(p.Endpoints, profile.Endpoint{Host: "localhost", Port: testpeer.Port(t, a), Required: true, Purpose: "test", Issuers: []string{"qadoctor Test CA"}})
		}
		return p
	}
	needs := checks.NeedsOf(checks.All())
	runs := map[string]gather.Options{
		// squid bumping answers a denied CONNECT with 200 and serves its
		// error page inside the forged TLS, so refusal has its own squid.
		"through squid ssl-bump":     {Profile: endpoints(good, silent), Proxy: through(testpeer.SquidOptions{BumpCA: zscaler})},
		"through squid that refuses": {Profile: endpoints(refused), Proxy: through(testpeer.SquidOptions{DenyPorts: []int{testpeer.Port(t, refused)}})},
		"direct":                     {Profile: endpoints(testpeer.ClosedPort(t), silent)},
	}
	wantReasons := map[string]map[string]string{
		"through squid ssl-bump":     {"tls.interception": "interception-zscaler", "tls.handshake": "cert-unknown-authority"},
		"through squid that refuses": {"net.proxy": "proxy-refused"},
		"direct":                     {"net.reach": "tcp-refused"},
	}
	for name, o := range runs {
		t.Run(name, func(t *testing.T) {
			o.Timeout, o.Needs, o.Roots = 3*time.Second, needs, roots
			o.Env = gather.Env{System: func() facts.System { return facts.System{State: facts.SystemNotWindows} }, Getenv: func(string) string { return "" }}
			f := gather.Run(context.Background(), o)
			AssertFactsHoldNoSentences(t, f)
			tr := i18n.New(i18n.Japanese)
			fs := checks.Judge(f, checks.All(), tr)
			rep := New(Tool{Name: "qadoctor", Version: "test"}, f, fs, checks.Verdict(fs, ""), time.Second, tr.Lang())
			var text, md, page bytes.Buffer
			WriteText(&text, rep, TextOptions{Verbose: true, Tr: tr})
			WriteMarkdown(&md, rep, tr)
			WriteHTML(&page, rep, f.Endpoints, tr)
			AssertNoEnglishOfOurs(t, f, fs, map[string]string{"text": text.String(), "markdown": md.String(), "html": htmlText(t, page.Bytes())})
			for id, reason := range wantReasons[name] {
				if got := findingByID(fs, id); got.Reason != reason {
					t.Errorf("%s reason = %q (%s); want %q", id, got.Reason, got.Summary, reason)
				}
			}
			if t.Failed() {
				t.Logf("%s", text.String())
			}
		})
	}
}
