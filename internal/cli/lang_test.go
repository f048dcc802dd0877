package cli

import (
	"strings"
	"testing"

	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/gather"
	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// The language follows --lang, else the environment; JSON keeps its IDs,
// keys and reasons in English whatever the language.
func TestLanguage(t *testing.T) {
	addr := testpeer.ClosedPort(t)
	prof := testpeer.WriteProfile(t, testpeer.LocalEndpoint(t, addr))
	env := func(vars map[string]string) gather.Env {
		return gather.Env{Getenv: func(k string) string { return vars[k] }}
	}
	japanese := map[string]string{"LANG": "ja_JP.UTF-8"}
	tests := []struct {
		name string
		nd   gather.Env
		args []string
		want []string // in the text report, in order
	}{
		{"English by default", gather.Env{}, nil, []string{"Most likely cause (net.reach):", "What to do:", "Checks:", "FAIL"}},
		{"Japanese from LANG", env(japanese), nil, []string{"最も可能性の高い原因 (net.reach):", "対処方法:", "チェック:", "失敗"}},
		{"LC_ALL beats LANG", env(map[string]string{"LC_ALL": "en_US.UTF-8", "LANG": "ja_JP.UTF-8"}), nil, []string{"Most likely cause (net.reach):"}},
		{"--lang beats the environment", env(japanese), []string{"--lang", "en"}, []string{"Most likely cause (net.reach):"}},
		{"--lang ja", gather.Env{}, []string{"--lang", "ja"}, []string{"最も可能性の高い原因 (net.reach):", "Test-NetConnection"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"diagnose", "--profile", prof, "--skip", "net.hosts-file"}, tt.args...)
			code, out, errOut := runCLI(t, tt.nd, args...)
			if code != ExitFailed {
				t.Fatalf("exit code = %d; want %d\n%s", code, ExitFailed, errOut)
			}
			at := 0
			for _, w := range tt.want {
				i := strings.Index(out[at:], w)
				if i < 0 {
					t.Fatalf("the report lacks %q after byte %d:\n%s", w, at, out)
				}
				at += i
			}
		})
	}

	t.Run("JSON in Japanese", func(t *testing.T) {
		code, r := diagnoseJSON(t, gather.Env{}, "--profile", prof, "--skip", "net.hosts-file", "--lang", "ja")
		if code != ExitFailed {
			t.Errorf("exit code = %d; want %d", code, ExitFailed)
		}
		f := want(t, r, "net.reach", finding.Fail, "tcp-refused")
		if r.Lang != "ja" || !strings.Contains(f.Summary, "個中") || !strings.Contains(r.Verdict.Cause, "拒否") {
			t.Errorf("lang %q, summary %q, verdict %q: want Japanese text", r.Lang, f.Summary, r.Verdict.Cause)
		}
	})

	t.Run("unknown language", func(t *testing.T) {
		code, _, errOut := runCLI(t, gather.Env{}, "diagnose", "--profile", prof, "--lang", "de")
		if code != ExitUsage || !strings.Contains(errOut, `unknown language "de"`) {
			t.Errorf("exit %d, stderr %q; want %d naming the language", code, errOut, ExitUsage)
		}
	})
}

// A usage error is said in the person's language; what it wraps (a file
// system error) stays as the system said it.
func TestUsageErrorsTranslated(t *testing.T) {
	code, _, errOut := runCLI(t, gather.Env{}, "--lang", "ja", "diagnose", "--format", "pdf")
	if code != ExitUsage || !strings.Contains(errOut, `--format "pdf": text、json、md、html のどれかを指定してください`) || !strings.Contains(errOut, "使い方は") {
		t.Errorf("exit %d, stderr %q; want the Japanese usage error", code, errOut)
	}
	code, _, errOut = runCLI(t, gather.Env{}, "--lang", "ja", "diagnose", "--profile", "/nonexistent/profile.json")
	if code != ExitUsage || !strings.Contains(errOut, "プロファイルを読めません: ") || strings.Contains(errOut, "%!") {
		t.Errorf("exit %d, stderr %q; want the Japanese error with the system's reason", code, errOut)
	}
	code, _, errOut = runCLI(t, gather.Env{}, "diagnose", "--format", "pdf")
	if code != ExitUsage || !strings.Contains(errOut, `--format "pdf": want text, json, md or html`) {
		t.Errorf("English: exit %d, stderr %q", code, errOut)
	}
}

// Help speaks the language too: it is written before any hook runs, so
// the language comes from the arguments and the environment up front.
func TestHelpTranslated(t *testing.T) {
	for _, tt := range []struct {
		name string
		nd   gather.Env
		args []string
		want []string
	}{
		{"--lang ja", gather.Env{}, []string{"--lang", "ja", "diagnose", "--help"}, []string{"使い方:", "フラグ:", "共通フラグ:", "診断全体の期限", "--timeout duration"}},
		{"--lang=ja after the command", gather.Env{}, []string{"fix", "--help", "--lang=ja"}, []string{"計画を表示するだけで", "--journal DIR"}},
		{"LANG", gather.Env{Getenv: func(k string) string { return map[string]string{"LANG": "ja_JP.UTF-8"}[k] }}, []string{"--help"}, []string{"コマンド:", "クイック アシストに必要なものを"}},
		{"English", gather.Env{}, []string{"diagnose", "--help"}, []string{"Usage:", "Flags:", "deadline for the whole diagnosis"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tt.nd, tt.args...)
			if code != ExitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("help lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

// Everything cobra and pflag print in --help is Japanese too: the
// defaults, each command's --help, the help command, the closing hint.
func TestHelpHasNoCobraEnglish(t *testing.T) {
	for _, args := range [][]string{{"--lang", "ja", "--help"}, {"--lang", "ja", "diagnose", "--help"}, {"--lang", "ja", "help", "fix"}} {
		_, out, _ := runCLI(t, gather.Env{}, args...)
		for _, en := range []string{"(default ", "help for ", "Help about any command", "Generate the autocompletion", "for more information about a command"} {
			if strings.Contains(out, en) {
				t.Errorf("%v: %q is still in English:\n%s", args, en, out)
			}
		}
	}
	_, out, _ := runCLI(t, gather.Env{}, "--lang", "ja", "diagnose", "--help")
	for _, ja := range []string{"(既定: 15s)", "diagnose のヘルプ"} {
		if !strings.Contains(out, ja) {
			t.Errorf("diagnose --help lacks %q:\n%s", ja, out)
		}
	}
}
