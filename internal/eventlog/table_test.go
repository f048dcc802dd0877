package eventlog

import (
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/leg"
)

// TestTable checks the table is whole and its rows consistent: what the
// readers, Lookup and the XPath builder rely on.
func TestTable(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range rows {
		if r.Code == "" || seen[r.Code] {
			t.Errorf("row %+v: code empty or used twice", r)
		}
		seen[r.Code] = true
		if r.Channel == "" || r.Means == "" || r.Source == "" || !slices.Contains(leg.Legs, r.Leg) {
			t.Errorf("%s: channel, meaning, source and a leg are needed", r.Code)
		}
		if len(r.Fields) > DefaultMaxFields {
			t.Errorf("%s: %d fields, over DefaultMaxFields", r.Code, len(r.Fields))
		}
		names := map[string]bool{}
		for _, f := range r.Fields {
			if f.Name == "" || names[f.Name] || f.Pos < 0 || f.Pos > maxRawValues {
				t.Errorf("%s: field %+v", r.Code, f)
			}
			names[f.Name] = true
		}
		if f := r.Filter; f != nil && (!names[f.Field] || len(f.Values) == 0) {
			t.Errorf("%s: the filter's field %q must be kept, and have values", r.Code, f.Field)
		}
		for _, s := range append(append([]string{r.Channel}, r.Providers...), filterValues(r)...) {
			if strings.ContainsAny(s, `'"`) || s == "" {
				t.Errorf("%s: %q cannot be an XPath literal", r.Code, s)
			}
		}
	}
	for _, want := range []string{"schannel-credential-failed", "schannel-no-common-cipher", "schannel-untrusted-ca",
		"schannel-fatal-alert-received", "schannel-fatal-alert-sent", "app-crash-quickassist", "app-crash-webview2",
		"app-hang-quickassist", "app-hang-webview2", "appx-quickassist-error", "desktop-sharing-key",
		"remote-assistance-admin", "remote-assistance-operational", "remote-help-operational"} {
		if !seen[want] {
			t.Errorf("no row %s", want)
		}
	}
	if got, want := Channels(), []string{"System", "Application", chanAppX, "Security", chanRAAdmin, chanRAOper, chanRemoteHelp}; !slices.Equal(got, want) {
		t.Errorf("Channels() = %v; want %v", got, want)
	}
	r := Rows()
	r[0].Fields[0].Name = "changed"
	if rows[0].Fields[0].Name == "changed" {
		t.Errorf("Rows() shares the table")
	}
}

func filterValues(r Row) []string {
	if r.Filter == nil {
		return nil
	}
	return r.Filter.Values
}

func TestLookup(t *testing.T) {
	data := func(kv ...string) []facts.EventData {
		var out []facts.EventData
		for i := 0; i+1 < len(kv); i += 2 {
			out = append(out, facts.EventData{Name: kv[i], Value: kv[i+1]})
		}
		return out
	}
	for _, tc := range []struct {
		name string
		r    facts.EventRecord
		want string // "" for no row
	}{
		{"36887", facts.EventRecord{Channel: "System", Provider: "Schannel", EventID: 36887, Level: 2, Data: data("AlertDesc", "48")}, "schannel-fatal-alert-received"},
		{"36871, other case", facts.EventRecord{Channel: "system", Provider: "SCHANNEL", EventID: 36871, Level: 2}, "schannel-credential-failed"},
		{"Schannel 36880", facts.EventRecord{Channel: "System", Provider: "Schannel", EventID: 36880, Level: 4}, ""},
		{"36888 in Application", facts.EventRecord{Channel: "Application", Provider: "Schannel", EventID: 36888}, ""},
		{"QuickAssist crash", facts.EventRecord{Channel: "Application", Provider: "Application Error", EventID: 1000, Level: 2, Data: data("AppName", "quickassist.exe")}, "app-crash-quickassist"},
		{"WebView2 crash", facts.EventRecord{Channel: "Application", Provider: "Application Error", EventID: 1000, Level: 2, Data: data("AppName", "msedgewebview2.exe")}, "app-crash-webview2"},
		{"WebView2 hang", facts.EventRecord{Channel: "Application", Provider: "Application Hang", EventID: 1002, Level: 2, Data: data("AppName", "MSEdgeWebView2.exe")}, "app-hang-webview2"},
		{"spoolsv crash", facts.EventRecord{Channel: "Application", Provider: "Application Error", EventID: 1000, Level: 2, Data: data("AppName", "spoolsv.exe")}, ""},
		{"crash with no app name", facts.EventRecord{Channel: "Application", Provider: "Application Error", EventID: 1000, Level: 2}, ""},
		{"AppX error", facts.EventRecord{Channel: chanAppX, Provider: "Microsoft-Windows-AppXDeployment-Server", EventID: 401, Level: 2,
			Data: data("ErrorCode", "0x80073d02", "PackageFullName", "MicrosoftCorporationII.QuickAssist_2.0.32.0_x64__8wekyb3d8bbwe")}, "appx-quickassist-error"},
		{"AppX warning", facts.EventRecord{Channel: chanAppX, Provider: "Microsoft-Windows-AppXDeployment-Server", EventID: 728, Level: 3,
			Data: data("PackageFullName", "MicrosoftCorporationII.QuickAssist_2.0.32.0_x64__8wekyb3d8bbwe")}, ""},
		{"AppX Photos error", facts.EventRecord{Channel: chanAppX, Provider: "Microsoft-Windows-AppXDeployment-Server", EventID: 404, Level: 2,
			Data: data("PackageFullName", "Microsoft.Windows.Photos_2021.21120.8011.0_neutral_~_8wekyb3d8bbwe")}, ""},
		{"Desktop Sharing 5058", facts.EventRecord{Channel: "Security", Provider: "Microsoft-Windows-Security-Auditing", EventID: 5058, Data: data("KeyName", "Desktop Sharing")}, "desktop-sharing-key"},
		{"5058 desktop sharing, other case", facts.EventRecord{Channel: "Security", Provider: "Microsoft-Windows-Security-Auditing", EventID: 5058, Data: data("KeyName", "desktop sharing")}, ""},
		{"Remote Assistance warning", facts.EventRecord{Channel: chanRAOper, Provider: "Microsoft-Windows-RemoteAssistance", EventID: 1, Level: 3}, "remote-assistance-operational"},
		{"Remote Assistance verbose", facts.EventRecord{Channel: chanRAOper, Provider: "Microsoft-Windows-RemoteAssistance", EventID: 1, Level: 5}, ""},
		{"Remote Help error", facts.EventRecord{Channel: chanRemoteHelp, Provider: "RemoteHelp", EventID: 9, Level: 2}, "remote-help-operational"},
	} {
		row, ok := Lookup(tc.r)
		if got := map[bool]string{true: row.Code}[ok]; got != tc.want {
			t.Errorf("%s: Lookup = %q, %v; want %q", tc.name, row.Code, ok, tc.want)
		}
	}
}

// TestQueryFor checks the live reader's XPath queries, built from the
// table (the Event Log's XPath subset: learn.microsoft.com, "Consuming
// Events", XPath 1.0 limitations: and, or, =, <=, timediff).
func TestQueryFor(t *testing.T) {
	week := 7 * 24 * time.Hour
	for _, tc := range []struct {
		channel string
		within  time.Duration
		want    string
	}{
		{"System", week, "*[System[Provider[@Name='Schannel'] and (EventID=36871 or EventID=36874 or EventID=36882 or EventID=36887 or EventID=36888) and TimeCreated[timediff(@SystemTime) <= 604800000]]]"},
		{"System", -1, "*[System[Provider[@Name='Schannel'] and (EventID=36871 or EventID=36874 or EventID=36882 or EventID=36887 or EventID=36888)]]"},
		{"Application", time.Hour, "*[System[((Provider[@Name='Application Error'] and EventID=1000) or (Provider[@Name='Application Hang'] and EventID=1002)) and TimeCreated[timediff(@SystemTime) <= 3600000]]]"},
		{chanAppX, week, "*[System[Provider[@Name='Microsoft-Windows-AppXDeployment-Server'] and (Level=1 or Level=2) and TimeCreated[timediff(@SystemTime) <= 604800000]]]"},
		{"Security", week, "*[System[Provider[@Name='Microsoft-Windows-Security-Auditing'] and EventID=5058 and TimeCreated[timediff(@SystemTime) <= 604800000]] and EventData[Data[@Name='KeyName']='Desktop Sharing']]"},
		{chanRAAdmin, 0, "*[System[(Level=1 or Level=2 or Level=3 or Level=4) and TimeCreated[timediff(@SystemTime) <= 0]]]"},
		{chanRemoteHelp, -1, "*[System[(Level=1 or Level=2 or Level=3 or Level=4)]]"},
		{"Nothing", -1, "*"},
	} {
		if got := queryFor(rows, tc.channel, tc.within); got != tc.want {
			t.Errorf("queryFor(%s, %v) =\n%s\nwant\n%s", tc.channel, tc.within, got, tc.want)
		}
	}
}

func TestHexForm(t *testing.T) {
	for in, want := range map[string]string{
		"0":          "0x0",
		"0x00000000": "0x0",
		"2147958018": "0x80073d02",
		"0x80073D02": "0x80073d02",
		"%%2458":     "%%2458",
		"":           "",
	} {
		if got := hexForm(in); got != want {
			t.Errorf("hexForm(%q) = %q; want %q", in, got, want)
		}
	}
}

func validCut(s string, limit int) bool { return utf8.ValidString(s) && len(s) <= limit }

func TestClean(t *testing.T) {
	for _, tc := range []struct {
		in    string
		limit int
		want  string
	}{
		{"TLS 1.2", 256, "TLS 1.2"},
		{"abc\x00\x00", 256, "abc"},
		{"a\x00b", 256, "a b"},
		{"\xff\xfeok", 256, "\uFFFDok"},
		{"abcdefgh", 6, "abc…"},
		{"ééééé", 6, "é…"}, // 2-byte runes: cut on a rune
		{"abcdefgh", 2, "ab"},
		{"日本語", 2, ""},
	} {
		got := clean(tc.in, tc.limit)
		if got != tc.want || !validCut(got, tc.limit) {
			t.Errorf("clean(%q, %d) = %q; want %q", tc.in, tc.limit, got, tc.want)
		}
	}
}

// TestKeepLongFilterValue: a value its row's filter tests keeps the part
// that passes the filter when it is cut, so Lookup finds the row.
func TestKeepLongFilterValue(t *testing.T) {
	lim := Limits{MaxString: 64}.withDefaults()
	e := event{Channel: chanAppX, Provider: "Microsoft-Windows-AppXDeployment-Server", EventID: 401, Level: 2,
		Named: []namedValue{{"ErrorCode", "2147958018"}, {"PackageFullName", strings.Repeat("é", 150) + "MicrosoftCorporationII.QuickAssist_2.0.32.0_x64__8wekyb3d8bbwe"}}}
	row, ok := match(rows, &e)
	if !ok {
		t.Fatal("not taken")
	}
	r := keep(row, &e, lim)
	got, ok := Lookup(r)
	if !ok || got.Code != row.Code || !validCut(r.Data[1].Value, lim.MaxString) || !strings.HasPrefix(r.Data[1].Value, "…MicrosoftCorporationII.QuickAssist_") {
		t.Errorf("kept %+v; Lookup = %s, %v", r.Data, got.Code, ok)
	}
}

// TestKeepNeedleLengthChangingCase: a value whose lower case is longer
// (U+023A is 2 bytes, its lower case 3) or shorter (U+0130) than itself,
// with Quick Assist's family after it, is cut where the family starts and
// still passes its filter; it once panicked (slice bounds out of range).
func TestKeepNeedleLengthChangingCase(t *testing.T) {
	for _, prefix := range []string{strings.Repeat("Ⱥ", 150), strings.Repeat("İ", 150)} {
		v := prefix + QuickAssistFamily + "_2.0.35.0_x64__8wekyb3d8bbwe"
		got := keepNeedle(v, []string{QuickAssistFamily}, 256)
		if !strings.Contains(got, QuickAssistFamily) {
			t.Errorf("cut %q lost the family", got)
		}
	}
}
