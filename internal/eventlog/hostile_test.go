package eventlog

import (
	"bytes"
	"context"
	"encoding/binary"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/qadoctor/qadoctor/internal/facts"
)

var t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

// withExtra is a good Schannel record followed by one whose template
// instance carries one more argument, a, that nothing refers to.
func withExtra(a arg) []byte {
	c := newChunk()
	c.add(schannel36887(1, t0, 40))
	e := schannel36887(2, t0.Add(time.Second), 40)
	e.extra = []arg{a}
	c.add(e)
	return c.bytes()
}

// hostileChunks are chunks crafted against the evtx library. want is the
// guard's verdict (a part of its defect); panics says the library panics
// on the chunk when the guard is bypassed (the cases that would hang or
// exhaust memory instead are not run unguarded).
var hostileChunks = []struct {
	name   string
	chunk  func() []byte
	want   string
	panics bool
}{
	// A SYSTEMTIME's 16 bytes are read whatever the size says: shorter,
	// the record's later values are read from the wrong place; longer
	// than the chunk's rest, the library slices past its buffer.
	{"SYSTEMTIME of 4 bytes", func() []byte { return withExtra(arg{0x12, make([]byte, 4), -1}) }, "type 0x12 of 4 bytes", false},
	{"SYSTEMTIME of 65,535 bytes", func() []byte { return withExtra(arg{0x12, nil, 65535}) }, "type 0x12 of 65535 bytes", true},
	{"array of uint16 of odd length", func() []byte { return withExtra(arg{0x86, make([]byte, 3), -1}) }, "uint16 of 3 bytes", true},
	{"array of uint64 of 12 bytes", func() []byte { return withExtra(arg{0x8a, make([]byte, 12), -1}) }, "64-bit values of 12 bytes", true},
	{"array of hex64 of 12 bytes", func() []byte { return withExtra(arg{0x95, make([]byte, 12), -1}) }, "64-bit values of 12 bytes", false},
	{"uint32 of 1 byte", func() []byte { return withExtra(arg{0x08, make([]byte, 1), -1}) }, "type 0x8 of 1 bytes", false},
	{"bool of 3 bytes", func() []byte { return withExtra(arg{0x0d, make([]byte, 3), -1}) }, "bool of 3 bytes", false},
	// A SID's sub-authorities are appended to a string one at a time:
	// a 64 KiB SID (its bytes read as zeros past the chunk) costs
	// seconds, thousands of them minutes.
	{"SID of 65,000 bytes", func() []byte { return withExtra(arg{0x13, nil, 65000}) }, "SID of 65000 bytes", false},
	{"value past the record", func() []byte { return withExtra(arg{0x01, nil, 60000}) }, "reads past its end", false},
	{"record of size 0", func() []byte {
		c := newChunk()
		c.add(schannel36887(1, t0, 40))
		b := c.bytes()
		binary.LittleEndian.PutUint32(b[chunkHeaderSize+4:], 0)
		return b
	}, "size 0 runs past", false},
	{"trailing size differs", func() []byte {
		c := newChunk()
		c.add(schannel36887(1, t0, 40))
		c.add(schannel36887(2, t0, 40))
		b := c.bytes()
		size := int(binary.LittleEndian.Uint32(b[chunkHeaderSize+4:]))
		binary.LittleEndian.PutUint32(b[chunkHeaderSize+size-4:], 99999)
		return b
	}, "trailing copy", false},
	// A new template's argument count is read again, uncapped: 4
	// billion descriptors are appended to a slice.
	{"4 billion arguments", func() []byte {
		c := newChunk()
		c.raw(1, func(w *bx) {
			w.instanceHead(7, func(w *bx) { w.u8(0x0f); w.u8(1); w.u8(1); w.u8(0); w.u8(0) })
			w.u32(0xffffffff)
			w.u8(0)
		})
		return c.bytes()
	}, "more template arguments than bytes", false},
	{"instance of a template never defined", func() []byte {
		c := newChunk()
		c.raw(1, func(w *bx) {
			w.u8(0x0f)
			w.u8(1)
			w.u8(1)
			w.u8(0)
			w.u8(0x0c)
			w.u8(1)
			w.u32(9)
			w.u32(0x300)
			w.u32(0)
			w.u8(0)
		})
		return c.bytes()
	}, "not defined before it", false},
	{"instance ID and offset disagree", func() []byte {
		c := newChunk()
		c.add(schannel36887(1, t0, 40))
		id := c.defs["AlertDesc\x00"] + 0x10000 // the builder's ID for that template
		c.raw(2, func(w *bx) {
			w.u8(0x0f)
			w.u8(1)
			w.u8(1)
			w.u8(0)
			w.u8(0x0c)
			w.u8(1)
			w.u32(id)
			w.u32(0x1234)
			w.u32(0)
			w.u8(0)
		})
		return c.bytes()
	}, "disagree", false},
	{"name offset pointing ahead", func() []byte {
		c := newChunk()
		c.raw(1, func(w *bx) {
			w.instanceHead(7, func(w *bx) {
				w.u8(0x01)
				w.u16(0)
				w.u32(0)
				w.u32(0xfff0) // a name at the chunk's end
				w.u8(0x00)
			})
			w.u32(0)
			w.u8(0)
		})
		return c.bytes()
	}, "name's offset points outside", false},
	{"elements 100 deep", func() []byte {
		c := newChunk()
		c.raw(1, func(w *bx) {
			w.instanceHead(7, func(w *bx) {
				p := w.pos()
				w.open("E", false)
				for range 99 { // the same name, by its offset
					w.u8(0x01)
					w.u16(0)
					w.u32(0)
					w.u32(p + 11)
				}
				w.u8(0x00)
			})
			w.u32(0)
			w.u8(0)
		})
		return c.bytes()
	}, "nest too deep", false},
	{"BinXML arguments 10 deep", func() []byte {
		c := newChunk()
		c.raw(1, func(w *bx) {
			// Each level: a template instance whose one argument is
			// BinXML holding the next level.
			var level func(n int)
			level = func(n int) {
				w.instanceHead(100+n, func(w *bx) { w.u8(0x00) })
				w.u32(1)
				sizeAt := w.pos()
				w.u16(0)
				w.u16(0x21)
				start := w.pos()
				if n < 10 {
					level(n + 1)
				} else {
					w.u8(0)
				}
				binary.LittleEndian.PutUint16(w.b[sizeAt:], uint16(w.pos()-start))
				w.u8(0)
			}
			level(1)
		})
		return c.bytes()
	}, "templates nest too deep", false},
	// One template of 1,400 elements with text, instantiated 2,000
	// times in one record: unguarded, the library spends 0.46 s and
	// allocates 458 MB on this one chunk (measured 2026-12-06).
	{"template expanded 2,000 times", func() []byte {
		c := newChunk()
		c.raw(1, func(w *bx) {
			def := w.instanceHead(7, func(w *bx) {
				p := w.pos()
				w.open("E", false)
				w.u8(0x02)
				w.text("x")
				w.u8(0x04)
				for range 1399 { // <E>x</E>, the name by its offset
					w.u8(0x01)
					w.u16(0)
					w.u32(0)
					w.u32(p + 11)
					w.u8(0x02)
					w.text("x")
					w.u8(0x04)
				}
				w.u8(0x00)
			})
			w.u32(0)
			for range 2000 {
				w.u8(0x0c)
				w.u8(1)
				w.u32(7)
				w.u32(def)
				w.u32(0)
			}
			w.u8(0)
		})
		return c.bytes()
	}, "work budget", false},
}

func TestGuardRefusesHostileChunks(t *testing.T) {
	for _, tc := range hostileChunks {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.chunk()
			start := time.Now()
			v := checkChunk(b)
			if !strings.Contains(v.defect, tc.want) {
				t.Errorf("checkChunk: defect %q; want it to say %q", v.defect, tc.want)
			}
			// A chunk that holds none of the table's strings is not
			// parsed (TestPrefilter); put one where nothing reads it,
			// in the chunk header's string table.
			withName := slices.Clone(b)
			copy(withName[0x100:], utf16le("Schannel"))
			f := fileOf(withName)
			lr, recs := ReadEVTX(context.Background(), "crafted.evtx", bytes.NewReader(f), int64(len(f)), Window{}, Limits{})
			if lr.State != facts.ReadCorrupt || !strings.Contains(lr.Error, "crafted.evtx") || !strings.Contains(lr.Error, tc.want) {
				t.Errorf("ReadEVTX = %s %q; want corrupt, naming the file and %q", lr.State, lr.Error, tc.want)
			}
			if strings.Contains(lr.Error, "parser failed") {
				t.Errorf("the library panicked behind the guard: %s", lr.Error)
			}
			for _, r := range recs { // the records before the damage are kept
				if r.EventID != 36887 {
					t.Errorf("kept %+v", r)
				}
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("took %v", d)
			}
			if tc.panics { // the cause is real: unguarded, the library panics
				all := v.records + 1
				if _, err := parseChunk(b, all); err == nil || !strings.Contains(err.Error(), "parser failed") {
					t.Errorf("parseChunk without the guard: %v; want the library's panic", err)
				}
			}
		})
	}
}

// TestGuardCost measures the guard's work units on every chunk of the
// real samples: chunkBudget must stay far above them.
func TestGuardCost(t *testing.T) {
	most := 0
	for _, name := range []string{
		"StolenSzechuan-DC01_System.evtx", "DFIRArtifactMuseum-Win11_System.evtx", "StolenSzechuan-DC01_Application.evtx",
		"DFIRArtifactMuseum-Win11_AppXDeploymentServer-Operational.evtx", "omerbenamram-samples_security.evtx",
	} {
		for i, c := range sampleChunks(t, name) {
			v := checkChunk(c)
			if v.defect != "" {
				t.Errorf("%s chunk %d: %s", name, i, v.defect)
			}
			most = max(most, v.cost)
		}
	}
	t.Logf("most work on one real chunk: %d units (budget %d)", most, chunkBudget)
	if most*8 > chunkBudget {
		t.Errorf("a real chunk costs %d units: less than 8 times under the budget %d", most, chunkBudget)
	}
}

// TestHostileFiles covers damage to the file as a whole.
func TestHostileFiles(t *testing.T) {
	good := newChunk()
	good.add(schannel36887(1, t0, 40))
	good.add(schannel36887(2, t0.Add(time.Second), 48))
	chunk := good.bytes()
	real := sampleChunks(t, "StolenSzechuan-DC01_System.evtx")[20]
	badVersion := fileOf(chunk)
	binary.LittleEndian.PutUint16(badVersion[38:], 2)
	manyTiny := newChunk()
	for i := range 2200 {
		manyTiny.raw(uint64(i+1), func(w *bx) { w.u8(0) })
	}
	for _, tc := range []struct {
		name  string
		file  []byte
		state string
		want  string // part of the error
		kept  int
	}{
		{"empty", nil, facts.ReadCorrupt, "too short", 0},
		{"not an evtx", bytes.Repeat([]byte("MZ\x90\x00"), 2000), facts.ReadCorrupt, "not an .evtx", 0},
		{"header only", fileOf(), facts.ReadCorrupt, "no chunk", 0},
		{"unsupported version", badVersion, facts.ReadCorrupt, "Unsupported EVTX version", 0},
		{"cut inside the header", fileOf(chunk)[:100], facts.ReadCorrupt, "too short", 0},
		{"cut inside a chunk's header", fileOf(chunk)[:4096+300], facts.ReadCorrupt, "no chunk", 0},
		{"cut inside a record", fileOf(chunk)[:4096+chunkHeaderSize+100], facts.ReadCorrupt, "ends inside the chunk", 0},
		{"cut after a record", fileOf(chunk)[:4096+len(good.w.b)-50], facts.ReadCorrupt, "ends inside the chunk", 1},
		{"a real chunk cut in half", fileOf(real)[:4096+chunkSize/2], facts.ReadCorrupt, "ends inside the chunk", -1},
		{"2,200 empty records in a chunk", fileOf(manyTiny.bytes()), facts.ReadOK, "", 0},
		{"whole", fileOf(chunk), facts.ReadOK, "", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lr, recs := ReadEVTX(context.Background(), "bad.evtx", bytes.NewReader(tc.file), int64(len(tc.file)), Window{}, Limits{MaxKept: 100000})
			if lr.State != tc.state || !strings.Contains(lr.Error, tc.want) || (tc.want != "" && !strings.Contains(lr.Error, "bad.evtx")) {
				t.Errorf("ReadEVTX = %s %q; want %s, naming the file and %q", lr.State, lr.Error, tc.state, tc.want)
			}
			if tc.kept >= 0 && len(recs) != tc.kept {
				t.Errorf("kept %d records; want %d", len(recs), tc.kept)
			}
		})
	}
}

// TestPrefilter: a chunk that holds none of the table's strings (in
// UTF-16, ignoring case) is counted, not parsed, however broken; one
// that holds one is parsed, whatever the case of the string.
func TestPrefilter(t *testing.T) {
	broken := hostileChunks[len(hostileChunks)-1].chunk()
	f := fileOf(broken)
	lr, _ := ReadEVTX(t.Context(), "x.evtx", bytes.NewReader(f), int64(len(f)), Window{}, Limits{})
	if lr.State != facts.ReadOK || lr.Scanned != 1 {
		t.Errorf("a chunk without the table's strings: %+v; want read, 1 record counted", lr)
	}
	c := newChunk()
	e := schannel36887(1, t0, 40)
	e.provider = "SCHANNEL"
	c.add(e)
	f = fileOf(c.bytes())
	if lr, recs := ReadEVTX(t.Context(), "x.evtx", bytes.NewReader(f), int64(len(f)), Window{}, Limits{}); len(recs) != 1 || recs[0].Provider != "Schannel" {
		t.Errorf("SCHANNEL: %+v, %v; want kept, as Schannel", lr, recs)
	}
	needles := prefilterNeedles(rows)
	for _, want := range []string{"schannel", "quickassist.exe", "msedgewebview2.exe", "microsoftcorporationii.quickassist", "desktop sharing",
		"microsoft-windows-remoteassistance/admin", "microsoft-windows-remotehelp/operational"} {
		if !slices.ContainsFunc(needles, func(n []byte) bool { return bytes.Equal(n, utf16le(want)) }) {
			t.Errorf("no needle %q", want)
		}
	}
}
