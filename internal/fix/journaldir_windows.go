package fix

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"unsafe"

	"golang.org/x/sys/windows"
)

// journalSDDL is the journal folder's security: owned by Administrators,
// a protected DACL (P: nothing inherited from ProgramData) granting full
// access to SYSTEM and Administrators, inherited by the files in it
// (OICI). learn.microsoft.com/windows/win32/secauthz/security-descriptor-string-format
const journalSDDL = "O:BAD:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)"

// writeRights are the rights that let someone put or change a journal:
// add a file or folder, write, delete, or take over the folder's security.
const writeRights = windows.FILE_WRITE_DATA | windows.FILE_APPEND_DATA | windows.FILE_WRITE_EA |
	windows.FILE_WRITE_ATTRIBUTES | 0x40 /* FILE_DELETE_CHILD */ | windows.DELETE | windows.WRITE_DAC |
	windows.WRITE_OWNER | windows.GENERIC_WRITE | windows.GENERIC_ALL

func prepareDir(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return trustDir(dir)
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return fmt.Errorf("create the folder of the journal folder %s: %w", dir, err)
	}
	sd, err := windows.SecurityDescriptorFromString(journalSDDL)
	if err != nil {
		return fmt.Errorf("journal folder security: %w", err)
	}
	sa := &windows.SecurityAttributes{SecurityDescriptor: sd}
	sa.Length = uint32(unsafe.Sizeof(*sa))
	p, err := windows.UTF16PtrFromString(dir)
	if err != nil {
		return err
	}
	if err := windows.CreateDirectory(p, sa); err != nil && !errors.Is(err, windows.ERROR_ALREADY_EXISTS) {
		return fmt.Errorf("create the journal folder %s: %w", dir, err)
	}
	return trustDir(dir)
}

func trustDir(dir string) error {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	sd, err := windows.GetNamedSecurityInfo(dir, windows.SE_FILE_OBJECT, windows.OWNER_SECURITY_INFORMATION|windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		return fmt.Errorf("read the security of the journal folder %s: %w", dir, err)
	}
	if why := untrustedBy(sd, currentUser()); why != "" {
		return &UntrustedDirError{dir, why}
	}
	return nil
}

// untrustedBy says what in a folder's security lets someone other than
// SYSTEM, Administrators, TrustedInstaller or self write it; "" when
// nothing does.
func untrustedBy(sd *windows.SECURITY_DESCRIPTOR, self *windows.SID) string {
	owner, _, err := sd.Owner()
	if err != nil || owner == nil {
		return "its owner cannot be read"
	}
	if !trusted(owner, self) {
		return "it is owned by " + owner.String() + ", not SYSTEM, Administrators or this account"
	}
	dacl, _, err := sd.DACL()
	if err != nil || dacl == nil {
		return "it has no DACL, which lets everyone in"
	}
	for i := range uint32(dacl.AceCount) {
		var ace *windows.ACCESS_ALLOWED_ACE
		if err := windows.GetAce(dacl, i, &ace); err != nil {
			return fmt.Sprintf("its DACL entry %d cannot be read", i)
		}
		if ace.Header.AceType != windows.ACCESS_ALLOWED_ACE_TYPE || ace.Header.AceFlags&windows.INHERIT_ONLY_ACE != 0 {
			continue // a deny entry, or one for the files only (they inherit the folder's rights)
		}
		sid := (*windows.SID)(unsafe.Pointer(&ace.SidStart))
		if uint32(ace.Mask)&writeRights != 0 && !trusted(sid, self) {
			return "its DACL lets " + sid.String() + " write"
		}
	}
	return ""
}

// trustedInstaller is NT SERVICE\TrustedInstaller, which owns system
// folders.
const trustedInstaller = "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464"

// trusted reports whether s may write journals: SYSTEM, Administrators,
// TrustedInstaller, or the account running qadoctor (an administrator's
// own folder, when Windows makes the creator the owner). A folder another
// account could write is not: that account may be a plain user.
func trusted(s, self *windows.SID) bool {
	return s.IsWellKnown(windows.WinLocalSystemSid) || s.IsWellKnown(windows.WinBuiltinAdministratorsSid) ||
		s.String() == trustedInstaller || self != nil && windows.EqualSid(s, self)
}

// currentUser is the SID of the account this process runs as, or nil.
func currentUser() *windows.SID {
	u, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return nil
	}
	return u.User.Sid
}
