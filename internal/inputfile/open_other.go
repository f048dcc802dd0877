//go:build !unix

package inputfile

import "os"

// openNoWait opens path for reading; only Unix FIFOs wait on open.
func openNoWait(path string) (*os.File, error) { return os.Open(path) }
