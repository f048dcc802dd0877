package history

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"golang.org/x/sys/windows"
)

// openShared opens path for reading only, sharing read, write and delete:
// Quick Assist's WebView2 may go on writing the file, and may rename or
// delete it, while it is copied. Go's os.Open shares read and write only
// (syscall.Open: FILE_SHARE_READ|FILE_SHARE_WRITE), which would make a
// delete fail meanwhile. Only a regular file is opened, and not through a
// link: qadoctor may run elevated and read a file in another user's
// folder, and a link planted there must not make it read a file of the
// link's choosing (FILE_FLAG_OPEN_REPARSE_POINT opens the link itself,
// which is then refused).
func openShared(path string) (*os.File, error) {
	st, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, notRegular(path, st.Mode())
	}
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	h, err := windows.CreateFile(p, windows.GENERIC_READ,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE, nil, windows.OPEN_EXISTING,
		windows.FILE_ATTRIBUTE_NORMAL|windows.FILE_FLAG_SEQUENTIAL_SCAN|windows.FILE_FLAG_OPEN_REPARSE_POINT, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	f := os.NewFile(uintptr(h), path)
	// What was opened decides: the path may have changed since Lstat.
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		f.Close()
		if err != nil {
			return nil, err
		}
		return nil, notRegular(path, st.Mode())
	}
	if t, err := windows.GetFileType(h); err != nil || t != windows.FILE_TYPE_DISK {
		f.Close()
		return nil, fmt.Errorf("%s: not a file on disk; give the path of a file", path)
	}
	return f, nil
}

func notRegular(path string, m fs.FileMode) error {
	return fmt.Errorf("%s: not a regular file (%v); give the path of a file", path, m.Type())
}

// isLocked tells whether err is another process's lock keeping the file
// from being read: a sharing violation (the file opened with no read
// sharing, as Chromium's exclusive_database_file_lock opens some of its
// databases) or a lock violation (a byte range locked with LockFileEx;
// SQLite's locks lie at 1 GiB, past anything copied).
func isLocked(err error) bool {
	return errors.Is(err, windows.ERROR_SHARING_VIOLATION) || errors.Is(err, windows.ERROR_LOCK_VIOLATION)
}
