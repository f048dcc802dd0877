package browser

import "golang.org/x/sys/windows"

// folder is a candidate's folder by its variable's name, from Windows'
// known folders (SHGetKnownFolderPath): the environment can be set by
// the user (HKCU\Environment), the known folders of Program Files
// cannot.
func folder(name string) string {
	id, ok := map[string]*windows.KNOWNFOLDERID{
		"ProgramFiles(x86)": windows.FOLDERID_ProgramFilesX86,
		"ProgramFiles":      windows.FOLDERID_ProgramFiles,
		"LOCALAPPDATA":      windows.FOLDERID_LocalAppData,
	}[name]
	if !ok {
		return ""
	}
	p, err := windows.KnownFolderPath(id, 0)
	if err != nil {
		return ""
	}
	return p
}
