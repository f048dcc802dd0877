package winstate_test

import (
	"errors"
	"os/exec"
	"time"
)

// regedit imports a .reg file with regedit /S. Under Wine, starting a
// process now and then fails before it runs ("fork/exec
// C:\windows\regedit.exe: Internal error", CI on a busy machine): a start
// that failed is tried again, twice; regedit's own failure (an exit code)
// is not.
func regedit(path string) ([]byte, error) {
	var out []byte
	var err error
	for try := range 3 {
		out, err = exec.Command("regedit", "/S", path).CombinedOutput()
		var exit *exec.ExitError
		if err == nil || errors.As(err, &exit) {
			return out, err
		}
		time.Sleep(time.Duration(try+1) * 200 * time.Millisecond)
	}
	return out, err
}
