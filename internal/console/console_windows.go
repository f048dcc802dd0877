package console

import (
	"os"

	"github.com/inconshreveable/mousetrap"
	"golang.org/x/sys/windows"
)

// EnableVirtualTerminal asks the console behind fd to interpret ANSI
// escape sequences (colour). Windows 10 and later consoles accept; a pipe,
// a file or an old console refuses, and qadoctor then writes no colour.
func EnableVirtualTerminal(fd uintptr) bool {
	h := windows.Handle(fd)
	var mode uint32
	if err := windows.GetConsoleMode(h, &mode); err != nil {
		return false
	}
	if mode&windows.ENABLE_VIRTUAL_TERMINAL_PROCESSING != 0 {
		return true
	}
	return windows.SetConsoleMode(h, mode|windows.ENABLE_VIRTUAL_TERMINAL_PROCESSING) == nil
}

// StartedByExplorer reports whether the process was started from Explorer
// (a double-click), so its console window closes as soon as it exits.
// mousetrap is the check cobra itself uses: the parent process is
// explorer.exe.
func StartedByExplorer() bool { return mousetrap.StartedByExplorer() }

// Open shows a file in the program Windows associates with it: an .html
// report in the default browser.
func Open(path string) error {
	verb, err := windows.UTF16PtrFromString("open")
	if err != nil {
		return err
	}
	file, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return err
	}
	return windows.ShellExecute(0, verb, file, nil, nil, windows.SW_SHOWNORMAL)
}

var procGetOEMCP = windows.NewLazySystemDLL("kernel32.dll").NewProc("GetOEMCP")

// PipeCodePage says which code page a program reading fd decodes, when fd
// is a pipe: Windows PowerShell 5.1 reads a native command's output in
// [Console]::OutputEncoding, the console's output code page, or the OEM
// code page when there is no console (Intune runs scripts so). ok is false
// for a console, a file, or a UTF-8 (65001) code page: then UTF-8 is right.
func PipeCodePage(fd uintptr) (cp uint32, ok bool) {
	if t, err := windows.GetFileType(windows.Handle(fd)); err != nil || t != windows.FILE_TYPE_PIPE {
		return 0, false
	}
	cp, err := windows.GetConsoleOutputCP()
	if err != nil || cp == 0 {
		r, _, _ := procGetOEMCP.Call()
		cp = uint32(r)
	}
	return cp, cp != 0 && cp != cpUTF8
}

// cpUTF8 is code page 65001, UTF-8.
const cpUTF8 = 65001

// SaveFolder is where a double-click run leaves its files for the person
// to find and send: the Desktop, else Documents (a profile without a
// Desktop folder), else the temporary folder.
func SaveFolder() string {
	for _, id := range []*windows.KNOWNFOLDERID{windows.FOLDERID_Desktop, windows.FOLDERID_Documents} {
		if p, err := windows.KnownFolderPath(id, windows.KF_FLAG_DEFAULT); err == nil && isDir(p) {
			return p
		}
	}
	return os.TempDir()
}
