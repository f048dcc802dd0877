package console

import "io"

// testWriter is CodePageWriter itself: Windows' own tables.
func testWriter(w io.Writer, cp uint32) (io.WriteCloser, bool) { return CodePageWriter(w, cp) }
