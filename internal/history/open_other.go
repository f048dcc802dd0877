//go:build !windows

package history

import (
	"os"

	"github.com/qadoctor/qadoctor/internal/inputfile"
)

// openShared opens path for reading if it is a regular file (a FIFO
// would block, a device never end). Unix locks are advisory: a reader is
// never kept out.
func openShared(path string) (*os.File, error) { return inputfile.Open(path) }

// isLocked tells whether err is another process's lock keeping the file
// from being read: never, off Windows.
func isLocked(error) bool { return false }
