package eventlog

import (
	"slices"
	"strings"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/leg"
)

// Row is one kind of record that matters: which records it selects, the
// values of theirs that are kept, and what such a record means.
type Row struct {
	// Code names the kind of record ("schannel-fatal-alert-received").
	Code string
	// Channel is the event channel ("System"), as Windows spells it.
	Channel string
	// Providers are the provider names the row takes (case-insensitive);
	// none takes every provider of the channel.
	Providers []string
	// EventIDs are the event IDs the row takes; none takes all.
	EventIDs []int
	// Levels are the levels the row takes (1 critical, 2 error, 3
	// warning, 4 information, 0 log-always, 5 verbose); none takes all.
	Levels []int
	// Filter, when set, further selects records by one kept value.
	Filter *Filter
	// Fields are the only values kept, in this order (a whitelist).
	Fields []Field
	// Means says what such a record tells about a session.
	Means string
	// Leg is the leg of a session the record speaks for.
	Leg leg.Leg
	// Source is where the meaning and the layout come from.
	Source string
}

// Field is one value a row keeps.
type Field struct {
	// Name is the name the value is kept under: the provider's own name
	// for it where Windows names it (AlertDesc), Microsoft's newer name
	// for classic providers' positional strings (AppName), so a record
	// reads the same from every Windows version.
	Name string
	// Alt are other names the same value has in some events (AppX 419
	// calls the package "filename").
	Alt []string
	// Pos is the value's 1-based position among the unnamed values of a
	// classic provider (Application Error's strings); 0: named only.
	Pos int
	// Hex says the value is a number Windows renders as hexadecimal
	// (HexInt32: "0x80073d02"); it is kept in that form from both .evtx
	// files and the live log.
	Hex bool
}

// Filter selects records by one value.
type Filter struct {
	// Field is the Name of one of the row's Fields (so Lookup can apply
	// the filter to a record that kept only those fields).
	Field string
	Op    FilterOp
	// Values: the value must equal one of them (Equal, EqualFold), or
	// contain one of them (ContainsFold).
	Values []string
}

// FilterOp is how a Filter compares.
type FilterOp int

const (
	Equal        FilterOp = iota // exactly one of Values
	EqualFold                    // one of Values, ignoring ASCII case
	ContainsFold                 // contains one of Values, ignoring ASCII case
)

// Names and values the rows share.
const (
	chanSystem      = "System"
	chanApplication = "Application"
	chanSecurity    = "Security"
	chanAppX        = "Microsoft-Windows-AppXDeploymentServer/Operational"
	chanRAAdmin     = "Microsoft-Windows-RemoteAssistance/Admin"
	chanRAOper      = "Microsoft-Windows-RemoteAssistance/Operational"
	chanRemoteHelp  = "Microsoft-Windows-RemoteHelp/Operational"

	// QuickAssistFamily is the Quick Assist package's family name prefix
	// (MicrosoftCorporationII.QuickAssist_8wekyb3d8bbwe).
	QuickAssistFamily = "MicrosoftCorporationII.QuickAssist"

	srcSchannelAlerts = "https://learn.microsoft.com/windows/win32/secauthn/schannel-error-codes-for-tls-and-ssl-alerts (AlertDesc is the TLS alert number)"
	// The classic Application Error and Application Hang strings are
	// positional: the message is "Faulting application name: %1,
	// version: %2, time stamp: 0x%3 / Faulting module name: %4, version:
	// %5, time stamp: 0x%6 / Exception code: 0x%7 / Fault offset: 0x%8 /
	// … / Faulting package full name: %14" and "The program %1 version %2
	// stopped interacting with Windows"; Windows 11 names the same values
	// AppName, AppVersion, ModuleName, ExceptionCode.
	srcAppCrash = "CAUSES.md 1c; the wer.dll message layout (%1 application, %2 version, %4 module, %7 exception code), as Event Viewer shows it (microsoft/WindowsAppSDK issue attachment mark-arc-errors.txt) and as the real sample's spoolsv.exe 1000 holds it; Windows 11 names them AppName, AppVersion, ModuleName, ExceptionCode"
	srcAppHang  = "CAUSES.md 1c; the wersvc.dll message \"The program %1 version %2 stopped interacting with Windows and was closed\"; Windows 11 names them AppName, AppVersion"
)

var (
	schannelFields  = []Field{{Name: "AlertDesc"}, {Name: "ErrorState"}, {Name: "Protocol"}}
	crashFields     = []Field{{Name: "AppName", Pos: 1}, {Name: "AppVersion", Pos: 2}, {Name: "ModuleName", Pos: 4}, {Name: "ExceptionCode", Pos: 7}}
	hangFields      = []Field{{Name: "AppName", Pos: 1}, {Name: "AppVersion", Pos: 2}}
	levelsOneToFour = []int{1, 2, 3, 4}
)

// rows is the wanted-events table. To add a kind of record, add a row: the
// file reader's pre-filter and the live reader's XPath query both follow
// from it, and TestTable checks it (fields named, filters on kept fields).
var rows = []Row{
	{
		Code: "schannel-credential-failed", Channel: chanSystem, Providers: []string{"Schannel"}, EventIDs: []int{36871},
		Fields: schannelFields, Leg: leg.Screen,
		Means:  "Windows' TLS (SCHANNEL) could not create a TLS client credential; error state 10013 is the classic record of TLS switched off or no usable cipher suite",
		Source: "CAUSES.md 1c (\"A fatal error occurred while creating a TLS client credential. The internal error state is 10013.\")",
	},
	{
		Code: "schannel-no-common-cipher", Channel: chanSystem, Providers: []string{"Schannel"}, EventIDs: []int{36874},
		Fields: schannelFields, Leg: leg.Screen,
		Means:  "a TLS connection to this PC offered no cipher suite SCHANNEL accepts (Protocol names the TLS version)",
		Source: "CAUSES.md 1c; ../shared/samples/evtx/SOURCES.md (manifest title \"An <Protocol> connection request was received from a remote client application, …\")",
	},
	{
		Code: "schannel-untrusted-ca", Channel: chanSystem, Providers: []string{"Schannel"}, EventIDs: []int{36882},
		// The record's data is the server's certificate: nothing is kept.
		Leg:    leg.Screen,
		Means:  "SCHANNEL refused a server certificate issued by an untrusted certificate authority (TLS inspection re-signing, or a missing root)",
		Source: "CAUSES.md 1c; Schannel manifest title \"The certificate received from the remote server was issued by an untrusted certificate authority\"; SOURCES.md note 5 (the data is a binary certificate)",
	},
	{
		Code: "schannel-fatal-alert-received", Channel: chanSystem, Providers: []string{"Schannel"}, EventIDs: []int{36887},
		Fields: schannelFields, Leg: leg.Screen,
		Means:  "the far end (or a middlebox) ended a TLS handshake with a fatal alert (AlertDesc)",
		Source: "CAUSES.md 1c (\"A fatal alert was received from the remote endpoint. The TLS protocol defined fatal alert code is N.\"); " + srcSchannelAlerts,
	},
	{
		Code: "schannel-fatal-alert-sent", Channel: chanSystem, Providers: []string{"Schannel"}, EventIDs: []int{36888},
		Fields: schannelFields, Leg: leg.Screen,
		Means:  "SCHANNEL ended a TLS handshake with a fatal alert it generated (AlertDesc, ErrorState)",
		Source: "CAUSES.md 1c; SOURCES.md (manifest title \"A fatal alert was generated and sent to the remote endpoint\"); " + srcSchannelAlerts,
	},
	{
		Code: "app-crash-quickassist", Channel: chanApplication, Providers: []string{"Application Error"}, EventIDs: []int{1000},
		Filter: &Filter{Field: "AppName", Op: EqualFold, Values: []string{"QuickAssist.exe"}},
		Fields: crashFields, Leg: leg.Both,
		Means:  "Quick Assist itself crashed: it carries both legs, so the session ended",
		Source: srcAppCrash,
	},
	{
		Code: "app-crash-webview2", Channel: chanApplication, Providers: []string{"Application Error"}, EventIDs: []int{1000},
		Filter: &Filter{Field: "AppName", Op: EqualFold, Values: []string{"msedgewebview2.exe"}},
		Fields: crashFields, Leg: leg.Web,
		Means:  "a WebView2 process crashed (Quick Assist's, or another app's: the record does not say whose)",
		Source: srcAppCrash,
	},
	{
		Code: "app-hang-quickassist", Channel: chanApplication, Providers: []string{"Application Hang"}, EventIDs: []int{1002},
		Filter: &Filter{Field: "AppName", Op: EqualFold, Values: []string{"QuickAssist.exe"}},
		Fields: hangFields, Leg: leg.Both,
		Means:  "Quick Assist stopped responding and was closed",
		Source: srcAppHang,
	},
	{
		Code: "app-hang-webview2", Channel: chanApplication, Providers: []string{"Application Hang"}, EventIDs: []int{1002},
		Filter: &Filter{Field: "AppName", Op: EqualFold, Values: []string{"msedgewebview2.exe"}},
		Fields: hangFields, Leg: leg.Web,
		Means:  "a WebView2 process stopped responding and was closed (whose, the record does not say)",
		Source: srcAppHang,
	},
	{
		Code: "appx-quickassist-error", Channel: chanAppX, Providers: []string{"Microsoft-Windows-AppXDeployment-Server"}, Levels: []int{1, 2},
		Filter: &Filter{Field: "PackageFullName", Op: ContainsFold, Values: []string{QuickAssistFamily}},
		// PackageUri is not kept: a sideloaded package's URI is a path
		// that may name the user.
		Fields: []Field{{Name: "ErrorCode", Alt: []string{"Error"}, Hex: true}, {Name: "PackageFullName", Alt: []string{"filename"}}},
		Leg:    leg.Both,
		Means:  "Windows could not install or update the Quick Assist package",
		Source: "CAUSES.md 1c; SOURCES.md (provider spelled Microsoft-Windows-AppXDeployment-Server; 401/404 name the package PackageFullName, 419 filename)",
	},
	{
		Code: "desktop-sharing-key", Channel: chanSecurity, Providers: []string{"Microsoft-Windows-Security-Auditing"}, EventIDs: []int{5058},
		Filter: &Filter{Field: "KeyName", Op: Equal, Values: []string{"Desktop Sharing"}},
		// The subject (user SID, name, domain) and the key file's path
		// (under the user's profile) are not kept.
		Fields: []Field{{Name: "KeyName"}, {Name: "Operation"}, {Name: "ReturnCode", Hex: true}},
		Leg:    leg.Screen,
		Means:  "the sharer's Desktop Sharing key was used: a screen-sharing connection started (logged only when key-file auditing is on)",
		Source: "CAUSES.md 1b/1c (hackuponthegale.github.io, \"Investigating Microsoft Quick Assist\"); https://learn.microsoft.com/windows/security/threat-protection/auditing/event-5058",
	},
	{
		Code: "remote-assistance-admin", Channel: chanRAAdmin, Levels: levelsOneToFour, Leg: leg.Screen,
		Means:  "Windows' Remote Assistance (the Desktop Sharing stack) logged to its Admin channel",
		Source: "CAUSES.md 1c (MSRD-Collect's MSRA scenario collects this channel for Quick Assist)",
	},
	{
		Code: "remote-assistance-operational", Channel: chanRAOper, Levels: levelsOneToFour, Leg: leg.Screen,
		Means:  "Windows' Remote Assistance (the Desktop Sharing stack) logged to its Operational channel",
		Source: "CAUSES.md 1c (MSRD-Collect's MSRA scenario collects this channel for Quick Assist)",
	},
	{
		Code: "remote-help-operational", Channel: chanRemoteHelp, Levels: levelsOneToFour, Leg: leg.Screen,
		Means:  "Intune Remote Help logged to its Operational channel (Remote Help, not Quick Assist, but the same RDP relay)",
		Source: "CAUSES.md 1c (MSRD-Collect's MSRA scenario collects this channel for Quick Assist and Remote Help)",
	},
}

// Rows returns a copy of the wanted-events table.
func Rows() []Row {
	out := slices.Clone(rows)
	for i := range out {
		out[i].Providers = slices.Clone(out[i].Providers)
		out[i].EventIDs = slices.Clone(out[i].EventIDs)
		out[i].Levels = slices.Clone(out[i].Levels)
		out[i].Fields = slices.Clone(out[i].Fields)
		if f := out[i].Filter; f != nil {
			c := *f
			c.Values = slices.Clone(f.Values)
			out[i].Filter = &c
		}
	}
	return out
}

// Channels returns the channels the table reads, in table order.
func Channels() []string { return channelsOf(rows) }

func channelsOf(table []Row) []string {
	var out []string
	for _, r := range table {
		if !slices.Contains(out, r.Channel) {
			out = append(out, r.Channel)
		}
	}
	return out
}

// Lookup finds the row a kept record belongs to: the same test the
// readers apply, on the values the record kept.
func Lookup(r facts.EventRecord) (Row, bool) {
	get := func(f Field) (string, bool) {
		for _, d := range r.Data {
			if d.Name == f.Name {
				return d.Value, true
			}
		}
		return "", false
	}
	for _, row := range rows {
		if row.selects(r.Channel, r.Provider, r.EventID, r.Level) && row.passes(get) {
			return row, true
		}
	}
	return Row{}, false
}

// selects says the row takes a record of this channel, provider, ID and
// level (before its Filter).
func (row *Row) selects(channel, provider string, id, level int) bool {
	if !strings.EqualFold(row.Channel, channel) {
		return false
	}
	if len(row.Providers) > 0 && !slices.ContainsFunc(row.Providers, func(p string) bool { return strings.EqualFold(p, provider) }) {
		return false
	}
	if len(row.EventIDs) > 0 && !slices.Contains(row.EventIDs, id) {
		return false
	}
	return len(row.Levels) == 0 || slices.Contains(row.Levels, level)
}

// passes applies the row's Filter; get returns a field's value.
func (row *Row) passes(get func(Field) (string, bool)) bool {
	f := row.Filter
	if f == nil {
		return true
	}
	i := slices.IndexFunc(row.Fields, func(fd Field) bool { return fd.Name == f.Field })
	if i < 0 {
		return false
	}
	v, ok := get(row.Fields[i])
	if !ok {
		return false
	}
	for _, want := range f.Values {
		switch f.Op {
		case Equal:
			if v == want {
				return true
			}
		case EqualFold:
			if strings.EqualFold(v, want) {
				return true
			}
		case ContainsFold:
			if containsFold(v, want) {
				return true
			}
		}
	}
	return false
}

// containsFold says s contains sub, ignoring case.
func containsFold(s, sub string) bool {
	return strings.Contains(asciiLower(s), asciiLower(sub)) // ignoring ASCII case, as Filter says
}
