//go:build !windows

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/gather"
	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// summarize DIR accounts for every entry: a link to a report is read, a
// dangling link and a FIFO are listed with why (in the person's
// language), and the FIFO does not block the command.
func TestSummarizeFolderOfLinksAndPipes(t *testing.T) {
	dir := testpeer.TempDir(t)
	writeSummarizeReport(t, filepath.Join(dir, "pc-1.json"), []string{"net.dns:fail:dns-nxdomain"})
	for target, name := range map[string]string{"pc-1.json": "pc-1-link.json", "gone.json": "dangling.json"} {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo.json"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		lang string
		want []string
	}{
		{"en", []string{
			"2 reports, 2 files unreadable",
			"dangling.json: a link to a file that is not there (a dangling link)",
			"fifo.json: a named pipe (FIFO), not a report file: not read",
		}},
		{"ja", []string{
			"dangling.json: 存在しないファイルへのリンクです (リンク切れ)",
			"fifo.json: 名前付きパイプ (FIFO) で、レポートのファイルではありません",
		}},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			type result struct {
				code     int
				out, err string
			}
			done := make(chan result, 1)
			go func() {
				code, out, errOut := runCLI(t, gather.Env{}, "summarize", dir, "--lang", tc.lang)
				done <- result{code, out, errOut}
			}()
			var r result
			select {
			case r = <-done:
			case <-time.After(30 * time.Second):
				t.Fatal("summarize still running after 30 s: blocked on the FIFO?")
			}
			if r.code != 0 {
				t.Fatalf("exit code %d; want 0\n%s", r.code, r.err)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.out, w) {
					t.Errorf("the summary lacks %q:\n%s", w, r.out)
				}
			}
		})
	}
}
