package cli

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/gather"
)

// Flag parsing is tested apart from behaviour: a stub run function
// captures the options the command line produced.
func TestDiagnoseFlags(t *testing.T) {
	tests := []struct {
		args []string
		want DiagnoseOptions
	}{
		{nil, DiagnoseOptions{Since: gather.DefaultSince, Timeout: DefaultTimeout, Format: "text"}},
		{[]string{"--json", "--timeout", "3s", "--only", "net.dns,net.reach", "--skip", "tls.versions", "-v"},
			DiagnoseOptions{Since: gather.DefaultSince, JSON: true, Format: "text", Timeout: 3 * time.Second, Only: []string{"net.dns", "net.reach"}, Skip: []string{"tls.versions"}, Verbose: true}},
		{[]string{"--profile", "p.json", "--ca-file", "ca.pem", "--hosts-file", "hosts", "--proxy", "direct"},
			DiagnoseOptions{Since: gather.DefaultSince, Timeout: DefaultTimeout, Format: "text", ProfilePath: "p.json", CAFile: "ca.pem", HostsFile: "hosts", Proxy: "direct"}},
		{[]string{"--format", "html", "-o", "report.html"},
			DiagnoseOptions{Since: gather.DefaultSince, Timeout: DefaultTimeout, Format: "html", Output: "report.html"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var got *DiagnoseOptions
			cmd := newCmdDiagnose(&Deps{}, func(_ context.Context, o *DiagnoseOptions) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			if err := cmd.Execute(); err != nil {
				t.Fatalf("Execute: %v", err)
			}
			got.IO, got.Build, got.Env = IOStreams{}, BuildInfo{}, gather.Env{}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("options = %+v; want %+v", *got, tt.want)
			}
		})
	}
}
