package fix

import (
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/qadoctor/qadoctor/internal/winstate"
)

// The catalogue is every registry value fix can change, and so every value
// undo may restore. A journal is data on disk: before anything in it is
// written back, each step is checked against the catalogue, so a journal
// planted or edited by someone who could write the folder cannot make
// undo (run by an admin, or by Intune as SYSTEM) set a Run key, an IFEO
// debugger or anything else fix never touches.
//
// Add a repair: its registry values go here, with the types and sizes
// their prior values can have. TestCatalogueCoversEveryAction fails on an
// action that changes a value the catalogue does not list.

// changeable is one value fix may change: the key (compared without case,
// as Windows does), the value name, and how its recorded data is bounded.
type changeable struct {
	key, name string
	kind      dataKind
}

// dataKind bounds the data a journal may hold for a value, prior or new.
type dataKind int

const (
	// dword: a switch or a bit mask, as REG_DWORD (or, recorded as found,
	// REG_SZ or REG_QWORD written by other tools).
	dword dataKind = iota
	// text: a short string (the W32Time type, its NTP server list).
	text
)

// maxTextBytes bounds a REG_SZ value the journal may restore: NtpServer,
// the longest, holds a few names; 1 KiB is far above any real one.
const maxTextBytes = 1024

var catalogue = func() []changeable {
	var c []changeable
	for _, v := range []string{"TLS 1.2", "TLS 1.3"} {
		k := winstate.KeySchannelProtocols + `\` + v + `\Client`
		c = append(c, changeable{k, "Enabled", dword}, changeable{k, "DisabledByDefault", dword})
	}
	for _, k := range []string{winstate.KeyWinHTTP, winstate.KeyWinHTTP32} {
		c = append(c, changeable{k, "DefaultSecureProtocols", dword})
	}
	for _, k := range []string{winstate.KeyInetUser, winstate.KeyInetMachine, winstate.KeyInetPolicyUser, winstate.KeyInetPolicyMachine} {
		c = append(c, changeable{k, "SecureProtocols", dword})
	}
	for _, k := range []string{winstate.KeyDotNet4, winstate.KeyDotNet4W, winstate.KeyDotNet2, winstate.KeyDotNet2W} {
		c = append(c, changeable{k, "SchUseStrongCrypto", dword}, changeable{k, "SystemDefaultTlsVersions", dword})
	}
	return append(c,
		changeable{winstate.KeyW32TimeParameters, "Type", text},
		changeable{winstate.KeyW32TimeParameters, "NtpServer", text},
		changeable{winstate.KeyW32Time, "Start", dword},
	)
}()

// lookupChangeable finds key\name in the catalogue.
func lookupChangeable(key, name string) (changeable, bool) {
	for _, c := range catalogue {
		if strings.EqualFold(c.key, key) && strings.EqualFold(c.name, name) {
			return c, true
		}
	}
	return changeable{}, false
}

// maxJournalSteps bounds a journal's steps: the catalogue has 23 values and
// the commands are a handful, so a real journal has fewer than 40. Undo
// saves the journal after each step, so thousands would be a slow replay.
const maxJournalSteps = 64

// runID is the shape of a run's ID: its start time and six hex digits.
// IDs are names, never paths.
var runID = regexp.MustCompile(`^\d{8}T\d{6}Z-[0-9a-f]{6}$`)

// ValidRunID reports whether s is a run ID (and so a safe file name).
func ValidRunID(s string) bool { return runID.MatchString(s) }

// validate checks every registry step of the journal against the
// catalogue: the value, the types and sizes of its prior and new data, the
// keys it says it created. Nothing is written from a journal that fails.
func (j *Journal) validate() error {
	if !ValidRunID(j.Run) {
		return fmt.Errorf("run ID %q is not one fix writes", j.Run)
	}
	steps := 0
	for _, a := range j.Actions {
		steps += len(a.Registry) + len(a.Commands)
	}
	if steps > maxJournalSteps || len(j.Actions) > maxJournalSteps {
		return fmt.Errorf("it has %d steps; fix writes at most %d", steps, maxJournalSteps)
	}
	for _, a := range j.Actions {
		for _, s := range a.Registry {
			c, ok := lookupChangeable(s.Key, s.Name)
			if !ok {
				return fmt.Errorf("it would change %s\\%s, which qadoctor fix never changes", s.Key, s.Name)
			}
			for what, st := range map[string]RegValueState{"prior": s.Prior, "new": s.New} {
				if err := c.check(st); err != nil {
					return fmt.Errorf("%s\\%s: its %s value %w", s.Key, s.Name, what, err)
				}
			}
			for _, k := range s.Created {
				if !createdBy(k, c.key) {
					return fmt.Errorf("it would remove the key %s, which %s\\%s does not create", k, s.Key, s.Name)
				}
			}
			switch s.State {
			case StatePending, StateApplying, StateApplied, StateUndone, StateFailed:
			default:
				return fmt.Errorf("%s\\%s: unknown state %q", s.Key, s.Name, s.State)
			}
		}
	}
	return nil
}

// check bounds one recorded state of the value.
func (c changeable) check(st RegValueState) error {
	if !st.Exists {
		if st.Type != "" || st.Data != "" {
			return fmt.Errorf("is absent but has data")
		}
		return nil
	}
	data, err := hex.DecodeString(st.Data)
	if err != nil {
		return fmt.Errorf("holds data that is not hex")
	}
	switch {
	case c.kind == dword && st.Type == "REG_DWORD" && len(data) == 4,
		c.kind == dword && st.Type == "REG_QWORD" && len(data) == 8:
		return nil
	case st.Type == "REG_SZ" && len(data) <= maxTextBytes && len(data)%2 == 0 && printableUTF16(data):
		// Found as a string (some tools write numbers as text); restored
		// as found.
		return nil
	}
	return fmt.Errorf("is %s of %d bytes, which qadoctor fix never records there", st.Type, len(data))
}

// printableUTF16 reports whether UTF-16LE data is text without control
// characters (a terminating NUL allowed).
func printableUTF16(data []byte) bool {
	for i := 0; i+1 < len(data); i += 2 {
		r := rune(data[i]) | rune(data[i+1])<<8
		if r == 0 && i+2 >= len(data)-1 {
			continue
		}
		if r < 0x20 || r == 0x7f || !utf8.ValidRune(r) {
			return false
		}
	}
	return true
}

// createdBy reports whether k is the value's own key or one of its
// parents (fix creates the missing keys on the way down to a value), and
// not a hive or a key right under one. Undo removes such a key only once
// it is empty.
func createdBy(k, valueKey string) bool {
	if strings.Count(k, `\`) < 2 {
		return false
	}
	return strings.EqualFold(k, valueKey) || len(valueKey) > len(k) && strings.EqualFold(valueKey[:len(k)+1], k+`\`)
}
