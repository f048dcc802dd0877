package console

//sys	wideCharToMultiByte(codePage uint32, flags uint32, wchar *uint16, nwchar int32, str *byte, nstr int32, defaultChar *byte, usedDefaultChar *int32) (nwrite int32, err error) [failretval==0] = kernel32.WideCharToMultiByte

import (
	"errors"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/sys/windows"
)

//go:generate go run golang.org/x/sys/windows/mkwinsyscall -output zcodepage_windows.go codepage_windows.go

// systemCodePage converts to code page cp with Windows' own tables
// (WideCharToMultiByte): the ones PowerShell decodes a pipe with, at no
// cost to the binary. ok is false for UTF-8 (65001, no conversion needed)
// and for a code page this Windows does not have.
func systemCodePage(cp uint32) (enc, sub pageEncoder, ok bool) {
	if cp == cpUTF8 || cp == cpUTF7 {
		return nil, nil, false
	}
	// Converting one letter tells whether Windows has the code page
	// (ERROR_INVALID_PARAMETER when it does not).
	if _, err := (winEncoder{cp: cp}).Bytes([]byte("A")); err != nil {
		return nil, nil, false
	}
	return winEncoder{cp: cp, strict: true}, winEncoder{cp: cp}, true
}

// cpUTF7 is code page 65000, which WideCharToMultiByte converts without
// reporting a missing character.
const cpUTF7 = 65000

// wcNoBestFitChars keeps WideCharToMultiByte from its best fit ("é" as
// "e", "∞" as "8"): a missing character is reported, and codePageWriter
// chooses the stand-in (bestFit) or the substitute itself.
const wcNoBestFitChars = 0x00000400

// asciiSub is the substitute character, as x/text's encoders write it
// (encoding.ASCIISub), so every code page substitutes alike.
var asciiSub = [2]byte{0x1a, 0}

var errMissing = errors.New("the code page lacks a character")

// winEncoder converts UTF-8 to code page cp. strict: a character the code
// page lacks is an error; otherwise it becomes asciiSub.
type winEncoder struct {
	cp     uint32
	strict bool
}

func (e winEncoder) Bytes(b []byte) ([]byte, error) {
	if len(b) == 0 {
		return nil, nil
	}
	u := make([]uint16, 0, len(b))
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		u = utf16.AppendRune(u, r) // an invalid byte as U+FFFD, as x/text reads it
		b = b[n:]
	}
	// At most two bytes per UTF-16 unit in a double-byte code page; ask
	// Windows when a code page needs more.
	out := make([]byte, 2*len(u)+8)
	var used int32
	n, err := wideCharToMultiByte(e.cp, wcNoBestFitChars, &u[0], int32(len(u)), &out[0], int32(len(out)), &asciiSub[0], &used)
	if err == windows.ERROR_INSUFFICIENT_BUFFER {
		need, err := wideCharToMultiByte(e.cp, wcNoBestFitChars, &u[0], int32(len(u)), nil, 0, &asciiSub[0], nil)
		if err != nil {
			return nil, fmt.Errorf("code page %d: %w", e.cp, err)
		}
		out = make([]byte, need)
		n, err = wideCharToMultiByte(e.cp, wcNoBestFitChars, &u[0], int32(len(u)), &out[0], need, &asciiSub[0], &used)
	}
	if err != nil {
		return nil, fmt.Errorf("code page %d: %w", e.cp, err)
	}
	switch {
	case used == 0:
		return out[:n], nil
	case e.strict:
		return nil, errMissing
	case len(u) == 2 && utf16.IsSurrogate(rune(u[0])):
		// One character beyond U+FFFF, which Windows substitutes once
		// per half: one substitute for it, as x/text writes.
		return asciiSub[:1], nil
	}
	return out[:n], nil
}
