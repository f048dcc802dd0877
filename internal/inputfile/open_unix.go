//go:build unix

package inputfile

import (
	"os"
	"syscall"
)

// openNoWait opens path for reading without waiting: O_NONBLOCK makes
// opening a FIFO return at once instead of waiting for a writer (a FIFO
// swapped in after the Stat in Open would otherwise block the run); reads
// of a regular file ignore the flag.
func openNoWait(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
