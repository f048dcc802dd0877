//go:build !windows

package fix

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

func prepareDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create the journal folder %s: %w", dir, err)
	}
	return trustDir(dir)
}

func trustDir(dir string) error {
	st, err := os.Lstat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("journal folder %s: %w", dir, err)
	case !st.IsDir():
		return &UntrustedDirError{dir, "it is not a folder (a link or a file)"}
	case st.Mode().Perm()&0o022 != 0:
		return &UntrustedDirError{dir, fmt.Sprintf("its mode %v lets its group or others write", st.Mode().Perm())}
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && int(sys.Uid) != os.Geteuid() && sys.Uid != 0 {
		return &UntrustedDirError{dir, fmt.Sprintf("it belongs to user %d, not to this user (%d) or root", sys.Uid, os.Geteuid())}
	}
	return nil
}
