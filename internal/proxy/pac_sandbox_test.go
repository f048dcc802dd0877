package proxy

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Hostile PACs, as the review found them: each ends within the sandbox's
// bound with an error naming what it broke (or, for a regex the engine
// gives up on, an answer), never a hang or unbounded memory.
func TestPACSandbox(t *testing.T) {
	tests := []struct {
		name, src, says string
	}{
		{"backtracking regex (regexp2)", `function FindProxyForURL(u, h) {
  /^(?=(a+)+$)\1b/.test('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!'); return "DIRECT"; }`, ""},
		{"native recursion", `function f(n) { return f(n + 1) + 1; } function FindProxyForURL(u, h) { return f(0); }`, "at f"},
		{"a string that doubles", `function FindProxyForURL(u, h) { var s = "x"; while (true) { s = s + s; } }`, "memory bound (64 MiB): it allocated more than that"},
		{"an array that grows", `function FindProxyForURL(u, h) { var a = []; while (true) { a.push(new Array(4096).join("y")); } }`, ""}, // the time or the memory bound, whichever first
		{"a 50 MB answer", `function FindProxyForURL(u, h) { var s = "PROXY p:1;"; while (s.length < 50e6) s += s; return s; }`, ""},
		{"a long answer", `function FindProxyForURL(u, h) { return new Array(10000).join("PROXY p:1; "); }`, "longer than"},
		{"loops in the script body", `while (true) {} function FindProxyForURL(u, h) { return "DIRECT"; }`, "too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pac, err := ParsePAC("hostile.pac", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			var before runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			answer, err := pac.FindProxy(context.Background(), "https://a.test/", "a.test", func(string) string { return "" })
			took := time.Since(start)
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			t.Logf("%s: %v in %s, heap in use %d MiB after (was %d MiB)", tt.name, err, took.Round(time.Millisecond), after.HeapInuse>>20, before.HeapInuse>>20)
			if tt.says != "" && (err == nil || !strings.Contains(err.Error(), tt.says)) {
				t.Errorf("err = %v; want it to say %q", err, tt.says)
			}
			if err == nil && answer != "DIRECT" {
				t.Errorf("answer = %.40q…; want an error, or DIRECT", answer)
			}
			if took > pacTimeout+2*time.Second {
				t.Errorf("took %s; the sandbox's bound is %s", took, pacTimeout)
			}
			// The watch stops the script at the first check past the bound; one
			// instruction (s + s) can allocate as much as the script had, so
			// the most it can reach is a few times the bound, never more.
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 8*pacMaxAlloc {
				t.Errorf("the evaluation allocated %d MiB; the bound is %d MiB", grew>>20, pacMaxAlloc>>20)
			}
		})
	}
}

// The helpers as WinHTTP and Chromium give them: myIpAddress is the PC's
// address (so an office-LAN branch is taken), alert exists, the Ex
// functions exist, and FindProxyForURLEx wins where a PAC defines it.
func TestPACHelpers(t *testing.T) {
	env := PACEnv{
		MyIP: []string{"10.1.2.3", "fd00::7"},
		Resolve: func(_ context.Context, h string) []string {
			return map[string][]string{"intra.corp": {"fd00::1", "10.9.9.9"}}[h]
		},
	}
	tests := []struct{ src, want string }{
		{`function FindProxyForURL(u, h) { return isInNet(myIpAddress(), "10.0.0.0", "255.0.0.0") ? "DIRECT" : "PROXY p:1"; }`, "DIRECT"},
		{`function FindProxyForURL(u, h) { alert("debug " + h); return "DIRECT"; }`, "DIRECT"},
		{`function FindProxyForURL(u, h) { return myIpAddressEx(); }`, "10.1.2.3;fd00::7"},
		{`function FindProxyForURL(u, h) { return dnsResolve("intra.corp"); }`, "10.9.9.9"},
		{`function FindProxyForURL(u, h) { return dnsResolveEx("intra.corp"); }`, "fd00::1;10.9.9.9"},
		{`function FindProxyForURL(u, h) { return isResolvableEx("intra.corp") && !isResolvableEx("nowhere") ? "yes" : "no"; }`, "yes"},
		{`function FindProxyForURL(u, h) { return isInNetEx("fd00::7", "fd00::/8") && isInNetEx("10.1.2.3", "10.1.0.0/16") && !isInNetEx("10.1.2.3", "10.2.0.0/16") ? "yes" : "no"; }`, "yes"},
		{`function FindProxyForURL(u, h) { return sortIpAddressList("10.2.0.1;fd00::1;10.1.0.1"); }`, "10.1.0.1;10.2.0.1;fd00::1"},
		{`function FindProxyForURL(u, h) { return getClientVersion(); }`, "1.0"},
		{`function FindProxyForURL(u, h) { return "PROXY old:1"; } function FindProxyForURLEx(u, h) { return "PROXY ex:1"; }`, "PROXY ex:1"},
	}
	for _, tt := range tests {
		pac, err := ParsePAC("helpers.pac", []byte(tt.src))
		if err != nil {
			t.Fatal(err)
		}
		got, err := pac.Evaluate(context.Background(), "https://a.test/", "a.test", env)
		if err != nil || got != tt.want {
			t.Errorf("%s\n = %q, %v; want %q", tt.src, got, err, tt.want)
		}
	}
}

// The time helpers against MDN's documented examples ("Proxy
// Auto-Configuration (PAC) file"), on a clock set to each case's moment,
// except where pacparser, a real engine, shows the engines differ.
func TestPACTimeHelpers(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04:05", s, time.Local)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		fn   func([]string, time.Time) bool
		name string
		args []string
		when string
		want bool
	}{
		{weekdayRange, "weekdayRange", []string{"MON", "FRI"}, "2026-12-01 10:00:00", true}, // a Tuesday
		{weekdayRange, "weekdayRange", []string{"MON", "FRI"}, "2026-12-05 10:00:00", false},
		{weekdayRange, "weekdayRange", []string{"SAT"}, "2026-12-05 10:00:00", true},
		// Where MDN's examples and the engines part, the engines win
		// (TestPACTimeHelpersAgreeWithPacparser): no range wraps, and a
		// day with a month runs to the month's end.
		{weekdayRange, "weekdayRange", []string{"FRI", "MON"}, "2026-12-06 10:00:00", false},
		{weekdayRange, "weekdayRange", []string{"FRI", "MON"}, "2026-12-02 10:00:00", false},
		{dateRange, "dateRange", []string{"1"}, "2026-12-01 10:00:00", true},
		{dateRange, "dateRange", []string{"1"}, "2026-12-02 10:00:00", false},
		{dateRange, "dateRange", []string{"1", "15"}, "2026-12-15 23:59:00", true},
		{dateRange, "dateRange", []string{"1", "15"}, "2026-12-16 00:00:00", false},
		{dateRange, "dateRange", []string{"24", "DEC"}, "2026-12-24 12:00:00", true},
		{dateRange, "dateRange", []string{"24", "DEC"}, "2026-12-25 12:00:00", true},
		{dateRange, "dateRange", []string{"24", "DEC"}, "2026-12-23 12:00:00", false},
		{dateRange, "dateRange", []string{"JAN", "MAR"}, "2026-02-10 12:00:00", true},
		{dateRange, "dateRange", []string{"JAN", "MAR"}, "2026-04-01 12:00:00", false},
		{dateRange, "dateRange", []string{"1", "JUN", "15", "AUG"}, "2026-08-15 12:00:00", true},
		{dateRange, "dateRange", []string{"1", "JUN", "15", "AUG"}, "2026-08-16 12:00:00", false},
		{dateRange, "dateRange", []string{"1", "JUN", "1995", "15", "AUG", "1995"}, "1995-07-04 12:00:00", true},
		{dateRange, "dateRange", []string{"1", "JUN", "1995", "15", "AUG", "1995"}, "1996-07-04 12:00:00", false},
		{dateRange, "dateRange", []string{"OCT", "1995", "MAR", "1996"}, "1996-01-10 12:00:00", true},
		{dateRange, "dateRange", []string{"OCT", "1995", "MAR", "1996"}, "1996-04-10 12:00:00", false},
		{dateRange, "dateRange", []string{"1995"}, "1995-05-05 12:00:00", true},
		{dateRange, "dateRange", []string{"1995", "1997"}, "1998-01-01 00:00:00", false},
		{dateRange, "dateRange", []string{"DEC", "FEB"}, "2027-01-15 12:00:00", false},
		{timeRange, "timeRange", []string{"12"}, "2026-12-01 12:59:59", true},
		{timeRange, "timeRange", []string{"12"}, "2026-12-01 13:00:00", false},
		{timeRange, "timeRange", []string{"12", "13"}, "2026-12-01 13:59:59", true},
		{timeRange, "timeRange", []string{"9", "17"}, "2026-12-01 18:00:00", false},
		{timeRange, "timeRange", []string{"8", "30", "17", "0"}, "2026-12-01 17:00:59", true},
		{timeRange, "timeRange", []string{"8", "30", "17", "0"}, "2026-12-01 08:29:59", false},
		{timeRange, "timeRange", []string{"0", "0", "0", "0", "0", "30"}, "2026-12-01 00:00:30", true},
		{timeRange, "timeRange", []string{"0", "0", "0", "0", "0", "30"}, "2026-12-01 00:00:31", false},
		{timeRange, "timeRange", []string{"1", "2", "3"}, "2026-12-01 01:02:03", false}, // not a documented shape
	}
	for _, tt := range tests {
		if got := tt.fn(tt.args, at(tt.when)); got != tt.want {
			t.Errorf("%s(%s) at %s = %v; want %v", tt.name, strings.Join(tt.args, ", "), tt.when, got, tt.want)
		}
	}
	// GMT reads the clock in UTC.
	utcNoon := time.Date(2026, 12, 1, 12, 30, 0, 0, time.UTC)
	if !timeRange([]string{"12", "GMT"}, utcNoon) {
		t.Error(`timeRange(12, "GMT") at 12:30 UTC = false; want true`)
	}
}

// A PAC that broke a bound once is not run again: sixteen endpoints do not
// wait two seconds each, one after the other. Every later evaluation
// returns the first one's error, not a new run's.
func TestBrokenPACIsNotRunAgain(t *testing.T) {
	pac, err := ParsePAC("loop.pac", []byte(`function FindProxyForURL(u, h) { while (true) {} }`))
	if err != nil {
		t.Fatal(err)
	}
	_, first := pac.Evaluate(context.Background(), "https://a.test/", "a.test", PACEnv{})
	if first == nil || !strings.Contains(first.Error(), "too long") {
		t.Fatalf("first evaluation = %v; want the time bound named", first)
	}
	for i := range 15 {
		if _, err := pac.Evaluate(context.Background(), "https://a.test/", "a.test", PACEnv{}); err != first {
			t.Fatalf("evaluation %d = %v (%p); want the first evaluation's error (%p), without running the script again", i+2, err, err, first)
		}
	}
}

// oneCallBlowUps are PACs whose single built-in call would allocate (or
// walk) far past the memory bound in one go: goja checks for an interrupt
// between instructions, never inside a built-in, so the allocation watch
// and the clock cannot stop them; the guards weigh the call first.
var oneCallBlowUps = []struct{ name, expr string }{
	{"repeat", `"x".repeat(1 << 29)`}, // 512 MiB in one allocation, then filled
	{"join over a sparse array", `new Array(3e8).join()`},
	{"toString over a sparse array", `String(new Array(1e8))`},
	{"padStart", `"x".padStart(1 << 28)`},
	{"fill", `new Array(1e8).fill(0)`},
	{"map", `new Array(1e8).map(function () {})`},
	{"Array.from", `Array.from({length: 1e8})`},
	{"apply", `String.fromCharCode.apply(null, new Array(1e8))`},
	{"spread", `Math.max(...new Array(1e8))`},
	{"Set of a long string", `new Set("x".repeat(3e7))`},
	{"split", `"x".repeat(2e6).split("")`},
	{"replace with $` in the replacement", "\"x\".repeat(1e4).replace(/x/g, \"$`\")"},
	{"JSON.stringify", `JSON.stringify(new Array(1e8))`},
	{"typed array", `new Float64Array(2e8).fill(1)`},
	{"join of one string many times", `new Array(1e5).fill("y".repeat(1e4)).join("")`},
	{"flat of one array many times", `new Array(1e4).fill(new Array(1e5).fill(0)).flat()`},
	{"JSON.stringify of nested arrays", `JSON.stringify(new Array(1e4).fill(new Array(1e4)))`},
	{"nested joins", `(function () { var a = new Array(1e3).fill(new Array(1e5).join("yy")); return [a, a, a, a].join(); })()`},
}

// A PAC that one built-in call would take past the memory bound stops
// before the call allocates, with an error naming the bound (which net.proxy
// then names: TestPACMemoryBoundFinding), and no such evaluation allocates
// more than the bound. (Before the guards, "x".repeat(1 << 29) allocated
// 512 MiB and ran 2.5 s, and new Array(3e8).join() 5 GiB in 29 s.)
func TestPACMemoryBound(t *testing.T) {
	for _, tt := range oneCallBlowUps {
		t.Run(tt.name, func(t *testing.T) {
			pac, err := ParsePAC("hostile.pac", []byte("function FindProxyForURL(u, h) { var r = "+tt.expr+"; return 'DIRECT'; }"))
			if err != nil {
				t.Fatal(err)
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err = pac.Evaluate(context.Background(), "https://a.test/", "a.test", PACEnv{})
			runtime.ReadMemStats(&after)
			grew := after.TotalAlloc - before.TotalAlloc
			t.Logf("%v; allocated %d KiB", err, grew>>10)
			if !errors.Is(err, ErrPACMemory) || !strings.Contains(err.Error(), "memory bound (64 MiB)") {
				t.Errorf("err = %v; want the memory bound named (ErrPACMemory)", err)
			}
			// What the evaluation allocated bounds how far the heap grew.
			if grew > pacMaxAlloc {
				t.Errorf("the evaluation allocated %d MiB; the bound is %d MiB", grew>>20, pacMaxAlloc>>20)
			}
		})
	}
}

// The guards stop a blow-up only: real PACs' calls of the same built-ins,
// on their sizes, answer as before.
func TestPACGuardsLetRealCallsThrough(t *testing.T) {
	src := `function FindProxyForURL(u, h) {
  var hosts = "a.test,b.test,c.test".split(","), parts = h.split(".");
  var pad = "7".padStart(3, "0") + "x".repeat(3), list = [1, 2, 3].map(function (n) { return n * 2; }).join("-");
  var re = shExpMatch(h, "*.test") && /^(\w+)\.test$/.test(h) ? RegExp.$1 : "";
  var m = Math.max.apply(null, [1, 5, 3]) + Math.max(...[1, 9]), u8 = new Uint8Array(4), set = new Set(hosts);
  return hosts.indexOf(h) >= 0 && parts.length == 2 && pad == "007xxx" && list == "2-4-6" && re == "a" && m == 14 &&
    u8.length == 4 && u8 instanceof Uint8Array && set.size == 3 && JSON.stringify(parts) == '["a","test"]' &&
    h.replace(/\./g, "$&$&") == "a..test" && [..."ab"].length == 2 && [[1], [2, [3]]].flat().length == 3 &&
    JSON.stringify({a: [1, "x"]}, function (k, v) { return v === 1 ? 2 : v; }) == '{"a":[2,"x"]}' &&
    JSON.stringify({a: 1, b: 2}, ["b"]) == '{"b":2}' && String.raw` + "`a${1}b`" + ` == "a1b" ? "DIRECT" : "PROXY wrong:1";
}`
	got, err := evalForm(t, "real.pac", src)
	if err != nil || got != "DIRECT" {
		t.Errorf("FindProxyForURL = %q, %v; want DIRECT", got, err)
	}
}

// BenchmarkPACMemoryBound reports, as B/op, what an evaluation of each
// one-call blow-up allocates: kilobytes once the guards weigh the call
// (512 MiB for repeat(1 << 29) and 5 GiB for new Array(3e8).join()
// without them).
func BenchmarkPACMemoryBound(b *testing.B) {
	for _, tt := range oneCallBlowUps[:2] {
		b.Run(tt.name, func(b *testing.B) {
			pac, err := ParsePAC("hostile.pac", []byte("function FindProxyForURL(u, h) { var r = "+tt.expr+"; return 'DIRECT'; }"))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				pac.broken.Store(nil) // run it each time, not the first time's error
				if _, err := pac.Evaluate(context.Background(), "https://a.test/", "a.test", PACEnv{}); !errors.Is(err, ErrPACMemory) {
					b.Fatalf("err = %v; want ErrPACMemory", err)
				}
			}
		})
	}
}
