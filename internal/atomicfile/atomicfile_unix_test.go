//go:build !windows

package atomicfile

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// -o report.html over an existing file keeps its mode; a new file follows
// the umask; a device or a FIFO is never replaced by a file.
func TestWriteModesAndNonRegularTargets(t *testing.T) {
	dir := testpeer.TempDir(t)
	old := syscall.Umask(0o027)
	defer syscall.Umask(old)

	fresh := filepath.Join(dir, "new.html")
	if err := Write(fresh, []byte("x"), 0o666); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(fresh); st.Mode().Perm() != 0o640 {
		t.Errorf("a new file is %v; want 0666 less the umask 027, -rw-r-----", st.Mode().Perm())
	}
	kept := filepath.Join(dir, "kept.html")
	os.WriteFile(kept, []byte("old"), 0o604)
	os.Chmod(kept, 0o604)
	if err := Write(kept, []byte("new"), 0o666); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(kept); st.Mode().Perm() != 0o604 {
		t.Errorf("a replaced file is %v; want its own mode kept, -rw----r--", st.Mode().Perm())
	}
	fifo := filepath.Join(dir, "fifo")
	syscall.Mkfifo(fifo, 0o600)
	for _, target := range []string{os.DevNull, fifo, dir} {
		if err := Write(target, []byte("x"), 0o666); err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("Write(%s) = %v; want a refusal", target, err)
		}
	}
	if st, err := os.Stat(os.DevNull); err != nil || st.Mode()&os.ModeDevice == 0 {
		t.Errorf("%s is no longer a device: %v %v", os.DevNull, st, err)
	}
}
