package history

import (
	"errors"
	"strings"
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"

	"github.com/qadoctor/qadoctor/internal/elevate"
)

//sys	wtsQuerySessionInformation(server uintptr, session uint32, class uint32, buf **uint16, size *uint32) (err error) = wtsapi32.WTSQuerySessionInformationW

// WTS_INFO_CLASS values (wtsapi32.h).
const (
	wtsUserName   = 5
	wtsDomainName = 7
)

// Locate finds the History file of the user signed in to this PC.
func Locate() Location { return locate(live{}) }

// live is this PC's Windows.
type live struct{}

func (live) isSystem() bool { return elevate.IsSystem() }

func (live) ownSession() (uint32, error) {
	var id uint32
	err := windows.ProcessIdToSessionId(windows.GetCurrentProcessId(), &id)
	return id, err
}

func (live) consoleSession() (uint32, bool) {
	id := windows.WTSGetActiveConsoleSessionId()
	return id, id != 0xFFFFFFFF // none attached, as while it switches
}

func (live) sessionUser(id uint32) (domain, user string, err error) {
	if user, err = sessionString(id, wtsUserName); err != nil {
		return "", "", err
	}
	if user == "" {
		return "", "", nil
	}
	domain, err = sessionString(id, wtsDomainName)
	return domain, user, err
}

// sessionString is one WTSQuerySessionInformationW string of a session.
func sessionString(id, class uint32) (string, error) {
	var buf *uint16
	var n uint32
	if err := wtsQuerySessionInformation(0, id, class, &buf, &n); err != nil {
		return "", err
	}
	defer windows.WTSFreeMemory(uintptr(unsafe.Pointer(buf)))
	return windows.UTF16PtrToString(buf), nil
}

// userSID looks the user's name up (LookupAccountNameW); as SYSTEM, which
// holds SE_TCB_NAME, the session's own token says it when the name does
// not resolve (an Entra ID account offline, say).
func (l live) userSID(id uint32, domain, user string) (string, error) {
	sid, _, _, err := windows.LookupSID("", domain+`\`+user)
	if err == nil {
		return sid.String(), nil
	}
	if !l.isSystem() {
		return "", err
	}
	var tok windows.Token
	if terr := windows.WTSQueryUserToken(id, &tok); terr != nil {
		return "", errors.Join(err, terr)
	}
	defer tok.Close()
	tu, terr := tok.GetTokenUser()
	if terr != nil {
		return "", errors.Join(err, terr)
	}
	return tu.User.Sid.String(), nil
}

// profileDir reads ProfileImagePath of the SID under
// HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList.
func (live) profileDir(sid string) (string, error) {
	if strings.Trim(sid, "S0123456789-") != "" {
		return "", errors.New("not a SID: " + sid)
	}
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, `SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList\`+sid, registry.QUERY_VALUE)
	if err != nil {
		return "", err
	}
	defer k.Close()
	dir, typ, err := k.GetStringValue("ProfileImagePath")
	if err != nil {
		return "", err
	}
	if typ == registry.EXPAND_SZ {
		return registry.ExpandString(dir)
	}
	return dir, nil
}

func (live) localAppData() (string, error) {
	return windows.KnownFolderPath(windows.FOLDERID_LocalAppData, 0)
}

func (live) processUser() (string, error) {
	tu, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return "", err
	}
	user, domain, _, err := tu.User.Sid.LookupAccount("")
	if err != nil {
		return "", err
	}
	return domain + `\` + user, nil
}
