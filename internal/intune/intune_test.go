package intune

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/qadoctor/qadoctor/internal/finding"
)

func TestLine(t *testing.T) {
	fs := []finding.Finding{
		{ID: "os.schannel", Status: finding.Fail, Reason: "schannel-tls12-off"},
		{ID: "clock.offset", Status: finding.Warn, Reason: "clock-drift"},
		{ID: "net.dns", Status: finding.Pass},
	}
	tests := []struct {
		name    string
		fs      []finding.Finding
		perUser []string
		want    string
	}{
		{"compliant", fs[2:], nil, "qadoctor 1.2.3 COMPLIANT"},
		{"failures, then warnings", fs, nil, "qadoctor 1.2.3 FAIL os.schannel(schannel-tls12-off) | WARN clock.offset(clock-drift)"},
		{"as SYSTEM", fs[:1], []string{"os.inet", "net.proxy"}, "qadoctor 1.2.3 FAIL os.schannel(schannel-tls12-off) | as SYSTEM: os.inet,net.proxy saw SYSTEM's profile, not the user's"},
	}
	for _, tt := range tests {
		if got := Line("qadoctor 1.2.3", tt.fs, tt.perUser); got != tt.want {
			t.Errorf("%s: Line = %q; want %q", tt.name, got, tt.want)
		}
	}
}

func TestLineFitsTheConsole(t *testing.T) {
	var fs []finding.Finding
	for i := range 400 {
		fs = append(fs, finding.Finding{ID: "os.example" + strings.Repeat("x", i%7), Status: finding.Fail, Reason: "a-long-reason-code-日本語"})
	}
	line := Line("qadoctor test", fs, []string{"os.inet"})
	if n := utf8.RuneCountInString(line); n > OutputLimit || !strings.HasSuffix(line, "…(cut)") {
		t.Errorf("line of %d characters; want at most %d, marked as cut", n, OutputLimit)
	}
	if short := Line("qadoctor test", fs[:2], []string{"os.inet"}); !strings.Contains(short, "as SYSTEM") || strings.Contains(short, "cut") {
		t.Errorf("short line %q should say it ran as SYSTEM and not be cut", short)
	}
}
