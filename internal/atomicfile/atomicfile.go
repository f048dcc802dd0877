// Package atomicfile writes a file so that a crash leaves either the old
// file or the new one, never half of one: a temporary file in the same
// folder, synced, then renamed over the target.
package atomicfile

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Write writes data to path. A new file gets perm, less the umask; an
// existing one keeps its mode. Only a regular file is ever replaced: a
// device, a FIFO, a folder or anything else at path is an error, since
// renaming over it would swap the device for a file (on Windows only the
// read-only bit of a mode has an effect).
func Write(path string, data []byte, perm fs.FileMode) error {
	keep := false
	if st, err := os.Stat(path); err == nil {
		if !st.Mode().IsRegular() {
			return fmt.Errorf("write %s: it is not a regular file (%v); give a file name", path, st.Mode().Type())
		}
		perm, keep = st.Mode().Perm(), true
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp, err := createTemp(path, perm)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("write %s: the folder %s does not exist; create it first or give a file in a folder that exists", path, filepath.Dir(path))
		}
		return fmt.Errorf("write %s: %w", path, bare(err))
	}
	_, err = tmp.Write(data)
	if keep {
		err = errors.Join(err, tmp.Chmod(perm)) // the umask applied to the new file; the old mode wins
	}
	err = errors.Join(err, tmp.Sync(), tmp.Close())
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", path, bare(err))
	}
	return nil
}

// bare strips the temporary file's name from an error: the person asked
// for path, and a name they never gave (".r.json.4c83….tmp") only
// confuses. The operating system's own reason is kept.
func bare(err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		return pe.Err
	case errors.As(err, &le):
		return le.Err
	}
	return err
}

// createTemp makes a new file beside path, created with perm so the
// operating system applies the umask (os.CreateTemp would force 0600).
func createTemp(path string, perm fs.FileMode) (*os.File, error) {
	for range 100 {
		var b [6]byte
		rand.Read(b[:])
		// A name of its own length, not the target's plus a suffix: a
		// target name near the 255-byte limit is legal, and its temporary
		// file must be too.
		name := filepath.Join(filepath.Dir(path), ".qadoctor-"+hex.EncodeToString(b[:])+".tmp")
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, err
	}
	return nil, errors.New("no free temporary name")
}
