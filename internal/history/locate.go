package history

//go:generate go run golang.org/x/sys/windows/mkwinsyscall -output zsyscall_windows.go locate_windows.go

import (
	"fmt"
	"strings"
)

// Location is where the History file of the user signed in to this PC is
// (../shared/CAUSES.md 1c: %LOCALAPPDATA%\Temp\QuickAssist\EBWebView\
// Default\History).
type Location struct {
	// Path is the History file; empty when Unavailable says why.
	Path string
	// User is the account whose profile it is (DOMAIN\name), for the
	// report; bundles redact it.
	User string
	// Whose says how the user was found: "session" (signed in to the
	// session qadoctor runs in, even when qadoctor runs elevated as
	// another administrator), "console" (at the console, when qadoctor
	// runs in session 0 as SYSTEM or a service), or "process"
	// (qadoctor's own %LOCALAPPDATA%, when neither could be found).
	Whose string
	// AsSystem is true when qadoctor runs as LocalSystem (S-1-5-18).
	AsSystem bool
	// Unavailable says why there is no Path.
	Unavailable string
	// Notes say what was tried and failed on the way.
	Notes []string
}

// fromLocalAppData is History's place under %LOCALAPPDATA%.
const fromLocalAppData = `Temp\QuickAssist\EBWebView\Default\History`

// fromProfile is History's place under a profile folder.
const fromProfile = `AppData\Local\` + fromLocalAppData

// system is what Locate asks Windows; the live one is in
// locate_windows.go, tests give their own.
type system interface {
	isSystem() bool
	// ownSession is the Remote Desktop Services session of this process.
	ownSession() (uint32, error)
	// consoleSession is the session attached to the console; ok is false
	// when none is.
	consoleSession() (id uint32, ok bool)
	// sessionUser is the user signed in to a session ("" when nobody is).
	sessionUser(id uint32) (domain, user string, err error)
	// userSID is the SID of that user, as S-1-5-...
	userSID(id uint32, domain, user string) (string, error)
	// profileDir is the profile folder of a SID (ProfileList).
	profileDir(sid string) (string, error)
	// localAppData and processUser are this process's own.
	localAppData() (string, error)
	processUser() (string, error)
}

// locate finds the History of the signed-in user: the user of the session
// qadoctor runs in (so an elevated run as another administrator still
// finds the user's own), or, in session 0 (SYSTEM, a service), the user at
// the console; failing both, qadoctor's own %LOCALAPPDATA%, unless it runs
// as SYSTEM, whose own profile never holds Quick Assist's.
func locate(s system) Location {
	loc := Location{AsSystem: s.isSystem()}
	id, err := s.ownSession()
	whose := "session"
	ok := err == nil && id != 0
	if err != nil {
		loc.Notes = append(loc.Notes, fmt.Sprintf("this process's session: %v", err))
	}
	if !ok {
		id, ok = s.consoleSession()
		whose = "console"
		if !ok {
			loc.Notes = append(loc.Notes, "no session is attached to the console")
		}
	}
	if ok {
		if path, user, err := profileHistory(s, id); err == nil {
			loc.Path, loc.User, loc.Whose = path, user, whose
			return loc
		} else {
			loc.Notes = append(loc.Notes, fmt.Sprintf("the user of session %d: %v", id, err))
		}
	}
	if loc.AsSystem {
		loc.Unavailable = "qadoctor runs as SYSTEM and found no signed-in user whose profile it could read (" + strings.Join(loc.Notes, "; ") + "), so there is no Quick Assist History to read; run it again while the user is signed in, or as that user"
		return loc
	}
	dir, err := s.localAppData()
	if err != nil || dir == "" {
		loc.Unavailable = fmt.Sprintf("this account has no %%LOCALAPPDATA%% (%v); run qadoctor as the user who used Quick Assist", err)
		return loc
	}
	loc.Path, loc.Whose = winJoin(dir, fromLocalAppData), "process"
	if u, err := s.processUser(); err == nil {
		loc.User = u
	}
	return loc
}

// profileHistory is the History path in the profile of the user signed in
// to session id, and who that is.
func profileHistory(s system, id uint32) (path, user string, err error) {
	domain, name, err := s.sessionUser(id)
	if err != nil {
		return "", "", err
	}
	if name == "" {
		return "", "", fmt.Errorf("nobody is signed in")
	}
	user = name
	if domain != "" {
		user = domain + `\` + name
	}
	sid, err := s.userSID(id, domain, name)
	if err != nil {
		return "", user, fmt.Errorf("the SID of %s: %w", user, err)
	}
	dir, err := s.profileDir(sid)
	if err != nil {
		return "", user, fmt.Errorf("the profile folder of %s: %w", user, err)
	}
	if dir == "" {
		return "", user, fmt.Errorf("%s has no profile folder", user)
	}
	return winJoin(dir, fromProfile), user, nil
}

// winJoin joins a Windows folder and a relative path (this file builds
// everywhere; filepath would use '/' off Windows).
func winJoin(dir, rel string) string {
	return strings.TrimRight(dir, `\/`) + `\` + rel
}
