//go:build !windows

package console

import (
	"io"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
)

// testWriter is CodePageWriter with x/text's encoders where Windows is not
// there to convert: the same tests run on Windows (and Wine) against
// Windows' own tables (codepage_windows_test.go), which shows the two
// agree.
func testWriter(w io.Writer, cp uint32) (io.WriteCloser, bool) {
	enc, ok := map[uint32]encoding.Encoding{932: japanese.ShiftJIS, 1252: charmap.Windows1252, 437: charmap.CodePage437}[cp]
	if !ok {
		return nil, false
	}
	return newCodePageWriter(w, enc.NewEncoder(), encoding.ReplaceUnsupported(enc.NewEncoder())), true
}
