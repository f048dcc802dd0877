package eventlog

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
)

// ms5058 is the Event XML of Microsoft's page for event 5058
// (learn.microsoft.com/windows/security/threat-protection/auditing/event-5058,
// MicrosoftDocs/windows-itpro-docs event-5058.md), without the page's
// "- " tree markers and markdown escapes. The expected values below are
// the page's.
const ms5058 = `<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
<System>
 <Provider Name="Microsoft-Windows-Security-Auditing" Guid="{54849625-5478-4994-A5BA-3E3B0328C30D}" />
 <EventID>5058</EventID>
 <Version>0</Version>
 <Level>0</Level>
 <Task>12292</Task>
 <Opcode>0</Opcode>
 <Keywords>0x8020000000000000</Keywords>
 <TimeCreated SystemTime="2015-10-14T19:32:07.888796600Z" />
 <EventRecordID>1048275</EventRecordID>
 <Correlation />
 <Execution ProcessID="520" ThreadID="2312" />
 <Channel>Security</Channel>
 <Computer>DC01.contoso.local</Computer>
 <Security />
 </System>
<EventData>
 <Data Name="SubjectUserSid">S-1-5-21-3457937927-2839227994-823803824-1104</Data>
 <Data Name="SubjectUserName">dadmin</Data>
 <Data Name="SubjectDomainName">CONTOSO</Data>
 <Data Name="SubjectLogonId">0x38e2d</Data>
 <Data Name="ProviderName">Microsoft Software Key Storage Provider</Data>
 <Data Name="AlgorithmName">ECDH_P521</Data>
 <Data Name="KeyName">le-SuperAdmin-5e350d8e-ae46-458c-bac0-d8f3279c944e</Data>
 <Data Name="KeyType">%%2500</Data>
 <Data Name="KeyFilePath">C:\Users\dadmin\AppData\Roaming\Microsoft\Crypto\Keys\c0a496c6786f0d25e8624fee96e4e580_7a1bf91d-ebdd-449c-825d-c97f2f47cd01</Data>
 <Data Name="Operation">%%2459</Data>
 <Data Name="ReturnCode">0x0</Data>
 </EventData>
 </Event>`

// crashClassic is Application Error 1000 as Windows 10 renders the
// classic provider's strings (one <Data> each; the message layout %1 …
// %15 of srcAppCrash), for Quick Assist; crashNamed is the same crash as
// Windows 11 renders it, with the values named. Their shape follows the
// Event Viewer exports cited in the table's sources; the values are
// made up for Quick Assist.
const crashClassic = `<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Application Error'/>` +
	`<EventID Qualifiers='0'>1000</EventID><Version>0</Version><Level>2</Level><Task>100</Task><Opcode>0</Opcode><Keywords>0x80000000000000</Keywords>` +
	`<TimeCreated SystemTime='2026-11-30T09:15:02.1234567Z'/><EventRecordID>4242</EventRecordID><Correlation/><Execution ProcessID='0' ThreadID='0'/>` +
	`<Channel>Application</Channel><Computer>PC-OF-SOMEONE</Computer><Security/></System><EventData>` +
	`<Data>QuickAssist.exe</Data><Data>2.0.32.0</Data><Data>6554a8f2</Data><Data>KERNELBASE.dll</Data><Data>10.0.22621.4541</Data>` +
	`<Data>2b8c1f5e</Data><Data>c0000409</Data><Data>000000000012d3a4</Data><Data>0x1a2c</Data><Data>0x1db42f0c3a1b2c3</Data>` +
	`<Data>C:\Program Files\WindowsApps\MicrosoftCorporationII.QuickAssist_2.0.32.0_x64__8wekyb3d8bbwe\Microsoft.RemoteAssistance.QuickAssist\QuickAssist.exe</Data>` +
	`<Data>C:\WINDOWS\System32\KERNELBASE.dll</Data><Data>5d8c1e0a-1111-2222-3333-444455556666</Data>` +
	`<Data>MicrosoftCorporationII.QuickAssist_2.0.32.0_x64__8wekyb3d8bbwe</Data><Data>App</Data></EventData></Event>`

const crashNamed = `<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Application Error" Guid="{a0e9b465-b939-57d7-b27d-95d8e925ff57}"/>` +
	`<EventID>1000</EventID><Version>0</Version><Level>2</Level><Task>100</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords>` +
	`<TimeCreated SystemTime="2026-11-30T09:15:02.1234567Z"/><EventRecordID>4242</EventRecordID><Correlation/><Execution ProcessID="13496" ThreadID="1528"/>` +
	`<Channel>Application</Channel><Computer>PC-OF-SOMEONE</Computer><Security UserID="S-1-5-21-1-2-3-1001"/></System><EventData>` +
	`<Data Name="AppName">QuickAssist.exe</Data><Data Name="AppVersion">2.0.32.0</Data><Data Name="AppTimeStamp">6554a8f2</Data>` +
	`<Data Name="ModuleName">KERNELBASE.dll</Data><Data Name="ModuleVersion">10.0.22621.4541</Data><Data Name="ModuleTimeStamp">2b8c1f5e</Data>` +
	`<Data Name="ExceptionCode">c0000409</Data><Data Name="FaultingOffset">000000000012d3a4</Data><Data Name="ProcessId">0x1a2c</Data>` +
	`<Data Name="ProcessCreationTime">0x1db42f0c3a1b2c3</Data><Data Name="AppPath">C:\Users\someone\AppData\QuickAssist.exe</Data>` +
	`<Data Name="ModulePath">C:\WINDOWS\System32\KERNELBASE.dll</Data><Data Name="IntegratorReportId">5d8c1e0a-1111-2222-3333-444455556666</Data>` +
	`<Data Name="PackageFullName">MicrosoftCorporationII.QuickAssist_2.0.32.0_x64__8wekyb3d8bbwe</Data><Data Name="PackageRelativeAppId">App</Data></EventData></Event>`

// userData is a record whose values sit in UserData (as LoadPerf's in the
// sample Application log).
const userData = `<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-RemoteAssistance'/>` +
	`<EventID>10</EventID><Level>2</Level><TimeCreated SystemTime='2026-11-30T09:15:03Z'/><EventRecordID>7</EventRecordID>` +
	`<Channel>Microsoft-Windows-RemoteAssistance/Operational</Channel></System>` +
	`<UserData><EventXML xmlns='x'><param1>a</param1><param2>b</param2></EventXML></UserData></Event>`

func TestParseEventXML(t *testing.T) {
	lim := Limits{}.withDefaults()
	e, err := parseEventXML([]byte(ms5058))
	if err != nil {
		t.Fatal(err)
	}
	wantTime := time.Date(2015, 10, 14, 19, 32, 7, 888796600, time.UTC)
	if e.Provider != "Microsoft-Windows-Security-Auditing" || e.EventID != 5058 || e.Level != 0 || !e.Time.Equal(wantTime) ||
		e.Time.Location() != time.UTC || e.RecordID != 1048275 || e.Channel != "Security" || len(e.Named) != 11 || len(e.Pos) != 0 {
		t.Fatalf("parseEventXML(5058) = %+v", e)
	}
	if v, _ := e.get(Field{Name: "KeyFilePath"}); !strings.HasPrefix(v, `C:\Users\dadmin\`) {
		t.Errorf("KeyFilePath = %q", v)
	}
	if _, ok := match(rows, &e); ok {
		t.Errorf("the page's 5058 (KeyName le-SuperAdmin-…) was taken")
	}
	// The same record for the Desktop Sharing key: kept, without the
	// subject or the key file's path (they name the user).
	ds, err := parseEventXML([]byte(strings.Replace(ms5058, "le-SuperAdmin-5e350d8e-ae46-458c-bac0-d8f3279c944e", "Desktop Sharing", 1)))
	if err != nil {
		t.Fatal(err)
	}
	row, ok := match(rows, &ds)
	if !ok || row.Code != "desktop-sharing-key" {
		t.Fatalf("Desktop Sharing 5058: %v %v", row, ok)
	}
	got := keep(row, &ds, lim)
	want := facts.EventRecord{Time: wantTime, Channel: "Security", Provider: "Microsoft-Windows-Security-Auditing", EventID: 5058, Level: 0, RecordID: 1048275,
		Data: []facts.EventData{{Name: "KeyName", Value: "Desktop Sharing"}, {Name: "Operation", Value: "%%2459"}, {Name: "ReturnCode", Value: "0x0"}}}
	if !recordEqual(got, want) {
		t.Errorf("kept %+v; want %+v", got, want)
	}

	// Classic and named renderings of one crash keep the same values.
	wantCrash := []facts.EventData{{Name: "AppName", Value: "QuickAssist.exe"}, {Name: "AppVersion", Value: "2.0.32.0"},
		{Name: "ModuleName", Value: "KERNELBASE.dll"}, {Name: "ExceptionCode", Value: "c0000409"}}
	for name, x := range map[string]string{"classic": crashClassic, "named": crashNamed} {
		e, err := parseEventXML([]byte(x))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		row, ok := match(rows, &e)
		if !ok || row.Code != "app-crash-quickassist" {
			t.Fatalf("%s: row %v %v", name, row, ok)
		}
		r := keep(row, &e, lim)
		if !slices.Equal(r.Data, wantCrash) || r.RecordID != 4242 || !r.Time.Equal(time.Date(2026, 11, 30, 9, 15, 2, 123456700, time.UTC)) {
			t.Errorf("%s: kept %+v; want %v", name, r, wantCrash)
		}
	}

	e, err = parseEventXML([]byte(userData))
	if err != nil {
		t.Fatal(err)
	}
	if row, ok := match(rows, &e); !ok || row.Code != "remote-assistance-operational" || len(keep(row, &e, lim).Data) != 0 {
		t.Errorf("UserData record: row %v %v; want remote-assistance-operational, no data kept", row, ok)
	}
	if v, _ := e.get(Field{Name: "param2"}); v != "b" {
		t.Errorf("UserData param2 = %q", v)
	}
}

func recordEqual(a, b facts.EventRecord) bool {
	return a.Time.Equal(b.Time) && a.Channel == b.Channel && a.Provider == b.Provider && a.EventID == b.EventID &&
		a.Level == b.Level && a.RecordID == b.RecordID && slices.Equal(a.Data, b.Data)
}

func TestParseEventXMLHostile(t *testing.T) {
	deep := "<Event>" + strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100) + "</Event>"
	big := "<Event><EventData><Data>" + strings.Repeat("x", maxXMLSize) + "</Data></EventData></Event>"
	longValue := "<Event><System><Channel>System</Channel></System><EventData><Data Name='AlertDesc'>" + strings.Repeat("é", 10000) + "</Data></EventData></Event>"
	manyData := "<Event><EventData>" + strings.Repeat("<Data>x</Data>", 1000) + "</EventData></Event>"
	for _, tc := range []struct {
		name, xml string
		want      string // part of the error; "" for none
	}{
		{"empty", "", "no <Event>"},
		{"not XML", "\x00\x01garbage", "event XML"},
		{"another root", "<Events/>", "not <Event>"},
		{"unclosed", "<Event><System>", "event XML"},
		{"too deep", deep, "too deep"},
		{"too large", big, "larger than 64 KiB"},
		{"bad time", "<Event><System><TimeCreated SystemTime='yesterday'/></System></Event>", "TimeCreated"},
		{"EventID past 16 bits", "<Event><System><EventID>70000</EventID></System></Event>", "EventID"},
		{"negative level", "<Event><System><Level>-1</Level></System></Event>", "Level"},
		{"entity", "<!DOCTYPE x [<!ENTITY a 'aaaa'>]><Event><System><Channel>&a;</Channel></System></Event>", "event XML"},
		{"long value", longValue, ""},
		{"a thousand values", manyData, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := parseEventXML([]byte(tc.xml))
			if tc.want == "" {
				if err != nil {
					t.Fatalf("parseEventXML: %v", err)
				}
				if len(e.Named)+len(e.Pos) > maxRawValues {
					t.Errorf("%d values read", len(e.Named)+len(e.Pos))
				}
				for _, n := range e.Named {
					if len(n.Value) > maxXMLText || len(n.Value) < maxXMLText/2 {
						t.Errorf("a value of %d bytes read; want it cut to %d", len(n.Value), maxXMLText)
					}
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("parseEventXML: %v; want an error saying %q", err, tc.want)
			}
		})
	}
}
