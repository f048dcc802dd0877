package checks

import (
	"strings"
	"testing"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/i18n"
	"github.com/qadoctor/qadoctor/internal/winstate"
)

// TestW32TimeType: W32Time's Type is read as Windows reads it. Microsoft
// documents four values (NoSync, NTP, NT5DS, AllSync; "Windows Time
// service tools and settings", Parameters entries); the service compares
// them without ASCII case (_wcsicmp) and reads Type as a string. Anything
// else names no time source Windows knows, so it is never a pass.
func TestW32TimeType(t *testing.T) {
	expand := func(s string) winstate.Value {
		v := winstate.StringValue(s)
		v.Type = winstate.TypeExpandSZ
		return v
	}
	binary := winstate.Value{Type: winstate.TypeBinary, Data: []byte("NTP")}
	param, policy := winstate.KeyW32TimeParameters, winstate.KeyW32TimePolicy
	tests := []struct {
		name   string
		mods   []func(*winstate.Hive)
		want   finding.Status
		reason string
		says   string // a substring of the summary
	}{
		{"NTP", []func(*winstate.Hive){set(param, "Type", winstate.StringValue("NTP"))}, finding.Pass, "", "NTP from the service"},
		{"NT5DS", []func(*winstate.Hive){set(param, "Type", winstate.StringValue("NT5DS"))}, finding.Pass, "", "NT5DS"},
		{"AllSync", []func(*winstate.Hive){set(param, "Type", winstate.StringValue("AllSync"))}, finding.Pass, "", "AllSync"},
		{"NoSync", []func(*winstate.Hive){set(param, "Type", winstate.StringValue("NoSync"))}, finding.Warn, "clock-settings", `"Set time automatically" is off`},
		{"ntp in lower case", []func(*winstate.Hive){set(param, "Type", winstate.StringValue("ntp"))}, finding.Pass, "", "ntp"},
		{"nt5ds in lower case", []func(*winstate.Hive){set(param, "Type", winstate.StringValue("nt5ds"))}, finding.Pass, "", "nt5ds"},
		{"ALLSYNC in capitals", []func(*winstate.Hive){set(param, "Type", winstate.StringValue("ALLSYNC"))}, finding.Pass, "", "ALLSYNC"},
		{"nosync in lower case", []func(*winstate.Hive){set(param, "Type", winstate.StringValue("nosync"))}, finding.Warn, "clock-settings", `"Set time automatically" is off`},
		{"NOSYNC in capitals", []func(*winstate.Hive){set(param, "Type", winstate.StringValue("NOSYNC"))}, finding.Warn, "clock-settings", `"Set time automatically" is off`},
		{"not set", []func(*winstate.Hive){without(param)}, finding.Pass, "", "Type is not set"},
		{"empty string", []func(*winstate.Hive){set(param, "Type", winstate.StringValue(""))}, finding.Warn, "clock-settings", `Type=""`},
		{"NoSyncEVIL", []func(*winstate.Hive){set(param, "Type", winstate.StringValue("NoSyncEVIL"))}, finding.Warn, "clock-settings", `Type="NoSyncEVIL", which Windows does not know`},
		{"NTP with a trailing blank", []func(*winstate.Hive){set(param, "Type", winstate.StringValue("NTP "))}, finding.Warn, "clock-settings", `Type="NTP "`},
		{"a long s is not an s to _wcsicmp", []func(*winstate.Hive){set(param, "Type", winstate.StringValue("Noſync"))}, finding.Warn, "clock-settings", "which Windows does not know"},
		{"garbage", []func(*winstate.Hive){set(param, "Type", winstate.StringValue("\x01 garbage\n"))}, finding.Warn, "clock-settings", "which Windows does not know"},
		{"REG_DWORD", []func(*winstate.Hive){set(param, "Type", winstate.DWORDValue(1))}, finding.Warn, "clock-settings", "Type is a REG_DWORD"},
		{"REG_MULTI_SZ NTP", []func(*winstate.Hive){set(param, "Type", winstate.MultiStringValue("NTP"))}, finding.Warn, "clock-settings", "Type is a REG_MULTI_SZ"},
		{"REG_BINARY", []func(*winstate.Hive){set(param, "Type", binary)}, finding.Warn, "clock-settings", "Type is a REG_BINARY"},
		{"REG_EXPAND_SZ NTP", []func(*winstate.Hive){set(param, "Type", expand("NTP"))}, finding.Pass, "", "NTP"},
		{"policy NoSyncEVIL beats the service's NTP", []func(*winstate.Hive){set(policy, "Type", winstate.StringValue("NoSyncEVIL"))}, finding.Warn, "clock-settings", "NoSyncEVIL"},
		{"policy NT5DS beats the service's garbage", []func(*winstate.Hive){set(param, "Type", winstate.StringValue("NoSyncEVIL")), set(policy, "Type", winstate.StringValue("NT5DS"))}, finding.Pass, "", "NT5DS from the policy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &facts.Facts{System: winstate.Collect(machine(tt.mods...), "live", "", nil)}
			fd := judgeClockSettings(f, i18n.New(i18n.English))
			if fd.Status != tt.want || fd.Reason != tt.reason || !strings.Contains(fd.Summary, tt.says) {
				t.Errorf("judgeClockSettings = %s %q %q; want %s %q with %q", fd.Status, fd.Reason, fd.Summary, tt.want, tt.reason, tt.says)
			}
			repairs := false
			for _, a := range fd.Actions {
				repairs = repairs || a.ID == actionAutoTime.ID
			}
			if repairs != (tt.want != finding.Pass) {
				t.Errorf("offers %s = %v; want %v", actionAutoTime.ID, repairs, tt.want != finding.Pass)
			}
		})
	}
}

// TestW32TimeTypeNotExported: an export that has the time policy key
// (without Type) but leaves the service's Parameters out does not say which
// Type is in effect, so the check is skipped rather than taken as the
// default.
func TestW32TimeTypeNotExported(t *testing.T) {
	reg := "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\W32Time\\Parameters]\r\n\"NtpServer\"=\"ntp.example.test,0x9\"\r\n"
	h, err := winstate.ParseReg("w32time-policy.reg", []byte(reg), nil)
	if err != nil {
		t.Fatal(err)
	}
	f := &facts.Facts{System: winstate.Collect(h, "reg", "w32time-policy.reg", nil)}
	fd := judgeClockSettings(f, i18n.New(i18n.English))
	if fd.Status != finding.Skip || !strings.Contains(fd.Summary, winstate.KeyW32TimeParameters) {
		t.Errorf("judgeClockSettings = %s %q; want a skip naming %s", fd.Status, fd.Summary, winstate.KeyW32TimeParameters)
	}
}
