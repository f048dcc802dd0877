package browser

import (
	"fmt"
	"path/filepath"
	"unsafe"

	"golang.org/x/sys/windows"
)

// private makes a folder in dir that is the signed-in user's alone, and
// returns it: created with a protected DACL that grants full control to
// this user and SYSTEM and inherits nothing. On Windows os.MkdirTemp's
// 0700 means nothing and a folder inherits its parent's ACL, which a
// shared TEMP (C:\Temp) opens to every user; the page's secret and the
// NetLog must not be readable by them.
func private(dir string) (string, error) {
	u, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return "", fmt.Errorf("this user: %w", err)
	}
	sd, err := windows.SecurityDescriptorFromString("D:P(A;OICI;FA;;;" + u.User.Sid.String() + ")(A;OICI;FA;;;SY)")
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, "p")
	name, err := windows.UTF16PtrFromString(p)
	if err != nil {
		return "", err
	}
	sa := windows.SecurityAttributes{Length: uint32(unsafe.Sizeof(windows.SecurityAttributes{})), SecurityDescriptor: sd}
	if err := windows.CreateDirectory(name, &sa); err != nil {
		return "", err
	}
	return p, nil
}
