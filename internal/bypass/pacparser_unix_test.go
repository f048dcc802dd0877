//go:build !windows

package bypass

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// pacparserHarness runs a PAC with pacparser (Debian's python3-pacparser:
// SpiderMonkey with Mozilla's PAC helpers) and asks it about each host in
// argv[2] (a JSON list). pacparser's own find_proxy writes the host into a
// script unquoted, so the PAC is asked from inside: the generated
// FindProxyForURL is kept and a wrapper that calls it for every host takes
// its name, after every declaration the PAC made (including any a profile
// string smuggled in) has run.
const pacparserHarness = `
import pacparser, sys
pac = sys.argv[1] + """
var __generated = FindProxyForURL;
FindProxyForURL = function (url, host) {
  var hosts = """ + sys.argv[2] + """, out = [];
  for (var i = 0; i < hosts.length; i++) out.push(__generated("https://" + hosts[i] + "/", hosts[i]));
  return out.join("|");
};
"""
pacparser.init()
pacparser.parse_pac_string(pac)
print(pacparser.find_proxy("https://a.test/", "a.test"))
`

// A real PAC engine reads the PAC written for a hostile profile (U+2028,
// U+2029, CR, "*/", quotes and backslashes in its version, source,
// purposes and a host) as qadoctor meant it: every endpoint DIRECT, any
// other host to PROXY_HERE, and never the proxy the profile's text names.
func TestPACOfHostileProfileInPacparser(t *testing.T) {
	var b bytes.Buffer
	if err := WritePAC(&b, hostileJS()); err != nil {
		t.Fatal(err)
	}
	hosts := append(pacHostsOf(hostileJS()), "www.example.com")
	list, _ := json.Marshal(hosts) // ASCII: encoding/json writes U+2028 and U+2029 as \u escapes
	cmd := exec.Command("/usr/bin/python3", "-c", pacparserHarness, b.String(), string(list))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pacparser (python3-pacparser, as scripts/test installs it): %v\n%s\n%s", err, stderr.String(), b.String())
	}
	got := strings.Split(strings.TrimSpace(string(out)), "|")
	if len(got) != len(hosts) {
		t.Fatalf("pacparser answered %q for %d hosts\n%s", out, len(hosts), b.String())
	}
	for i, host := range hosts {
		want := "DIRECT"
		if host == "www.example.com" {
			want = "PROXY PROXY_HERE"
		}
		if got[i] != want {
			t.Errorf("pacparser: FindProxyForURL(%q) = %q; want %q", host, got[i], want)
		}
	}
	if t.Failed() {
		t.Logf("the PAC:\n%s", b.String())
	}
}
