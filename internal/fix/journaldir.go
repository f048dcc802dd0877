package fix

import "fmt"

// A journal is replayed by undo, which an admin runs (or Intune, as
// SYSTEM): so it is trusted only if nobody less privileged could have
// written it. PrepareJournalDir makes the folder so; TrustJournalDir
// refuses one that is not, before a journal in it is read.
//
// Windows: the folder is created with an explicit, protected DACL that
// lets only SYSTEM and Administrators in (ProgramData's default lets any
// user create files), and a folder whose owner is not SYSTEM,
// Administrators or TrustedInstaller, or whose DACL lets anyone else
// write, is refused. Elsewhere: the folder is 0700, and one that its
// group or others can write, or that someone else owns, is refused.

// UntrustedDirError is a journal folder someone other than its admins can
// write.
type UntrustedDirError struct {
	Dir string
	Why string // the owner or the entry that lets others write
}

func (e *UntrustedDirError) Error() string {
	return fmt.Sprintf("the journal folder %s is not trusted: %s; qadoctor only replays journals that only administrators could have written (delete the folder, or give --journal a folder only administrators can write)", e.Dir, e.Why)
}

// PrepareJournalDir creates dir (and its parents) so that only
// administrators (Windows) or its owner (elsewhere) can write it, and
// refuses an existing dir that others can write.
func PrepareJournalDir(dir string) error { return prepareDir(dir) }

// TrustJournalDir refuses a folder that others than administrators (or,
// off Windows, its owner) can write. A folder that does not exist holds
// nothing to distrust.
func TrustJournalDir(dir string) error { return trustDir(dir) }
