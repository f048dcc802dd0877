package fix

import (
	"strings"
	"testing"

	"golang.org/x/sys/windows"
)

// The DACL rules, on security descriptors Windows' own SDDL parser builds
// (Wine's under Wine). Wine keeps no DACL on files: whatever CreateDirectory
// is given, it reads back SYSTEM and the user, so a folder's refusal cannot
// be shown there; these descriptors show the rules instead.
func testUntrustedJournalDirWindows(t *testing.T) {
	self, err := windows.StringToSid("S-1-5-21-1-2-3-1001")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, sddl, refused string // refused: what the reason names; "" for trusted
	}{
		{"what fix makes", journalSDDL, ""},
		{"ProgramData's default, inherited by a new folder", "O:BAD:(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;CIOIIO;GA;;;CO)(A;OICI;0x1200a9;;;BU)(A;CI;0x116;;;BU)", "S-1-5-32-545"},
		{"Users may add files", "O:BAD:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;;0x2;;;BU)", "S-1-5-32-545"},
		{"Everyone full", "O:BAD:P(A;;FA;;;WD)", "S-1-1-0"},
		{"owned by a plain user", "O:BUD:P(A;OICI;FA;;;SY)", "owned by S-1-5-32-545"},
		{"owned by this account", "O:S-1-5-21-1-2-3-1001D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;S-1-5-21-1-2-3-1001)", ""},
		{"another account may write", "O:BAD:P(A;OICI;FA;;;SY)(A;;FA;;;S-1-5-21-1-2-3-1002)", "S-1-5-21-1-2-3-1002"},
		{"Users may only read", "O:BAD:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1200a9;;;BU)", ""},
		{"a rule for the files only (inherit-only)", "O:BAD:P(A;OICI;FA;;;SY)(A;OICIIO;FA;;;CO)", ""},
		{"no DACL at all", "O:BA", "no DACL"},
	}
	for _, tt := range tests {
		sd, err := windows.SecurityDescriptorFromString(tt.sddl)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		why := untrustedBy(sd, self)
		switch {
		case tt.refused == "" && why != "":
			t.Errorf("%s: refused (%s); want trusted", tt.name, why)
		case tt.refused != "" && !strings.Contains(why, tt.refused):
			t.Errorf("%s: untrustedBy = %q; want a refusal naming %q", tt.name, why, tt.refused)
		}
	}
}
