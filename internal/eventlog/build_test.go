package eventlog

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// This file builds .evtx files in memory for the tests and the fuzzer:
// records laid out as Windows writes them ([MS-EVEN6] BinXML; libyal's
// EVTX format notes), which the hostile tests then break one part at a
// time.

// sampleFile returns the path of a real .evtx from ../shared/samples/evtx.
func sampleFile(t testing.TB, name string) string {
	t.Helper()
	return filepath.Join(testpeer.Samples(t, "evtx"), name)
}

// sampleChunks returns the chunks of a real .evtx, in file order.
func sampleChunks(t testing.TB, name string) [][]byte {
	t.Helper()
	b, err := os.ReadFile(sampleFile(t, name))
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for off := 4096; off+chunkSize <= len(b); off += chunkSize {
		if string(b[off:off+8]) == chunkMagic {
			out = append(out, b[off:off+chunkSize])
		}
	}
	return out
}

// fileOf puts chunks behind an .evtx file header.
func fileOf(chunks ...[]byte) []byte {
	h := make([]byte, 4096)
	copy(h, fileHeaderMagic)
	binary.LittleEndian.PutUint32(h[32:], 128)  // header size
	binary.LittleEndian.PutUint16(h[36:], 1)    // minor version
	binary.LittleEndian.PutUint16(h[38:], 3)    // major version
	binary.LittleEndian.PutUint16(h[40:], 4096) // header block size
	binary.LittleEndian.PutUint16(h[42:], uint16(len(chunks)))
	for _, c := range chunks {
		h = append(h, c...)
	}
	return h
}

// bx writes BinXML into a chunk, at chunk-relative offsets.
type bx struct{ b []byte }

func (w *bx) u8(v int)     { w.b = append(w.b, byte(v)) }
func (w *bx) u16(v int)    { w.b = binary.LittleEndian.AppendUint16(w.b, uint16(v)) }
func (w *bx) u32(v int)    { w.b = binary.LittleEndian.AppendUint32(w.b, uint32(v)) }
func (w *bx) u64(v uint64) { w.b = binary.LittleEndian.AppendUint64(w.b, v) }
func (w *bx) pos() int     { return len(w.b) }

func utf16le(s string) []byte {
	var out []byte
	for _, c := range utf16.Encode([]rune(s)) {
		out = binary.LittleEndian.AppendUint16(out, c)
	}
	return out
}

// name writes a name inline, where it is defined.
func (w *bx) name(s string) {
	w.u32(w.pos() + 4)
	w.u32(0) // next name in the hash bucket
	w.u16(0) // hash
	w.u16(len(utf16.Encode([]rune(s))))
	w.b = append(w.b, utf16le(s)...)
	w.u16(0)
}

// open starts an element inside a template definition.
func (w *bx) open(name string, attrs bool) {
	if attrs {
		w.u8(0x41)
	} else {
		w.u8(0x01)
	}
	w.u16(0xffff) // dependency identifier
	w.u32(0)      // data size (the library does not use it)
	w.name(name)
	if attrs {
		w.u32(0)
	}
}

func (w *bx) attr(name string) { w.u8(0x06); w.name(name) }
func (w *bx) text(s string) {
	w.u8(0x05)
	w.u8(0x01)
	w.u16(len(utf16.Encode([]rune(s))))
	w.b = append(w.b, utf16le(s)...)
}
func (w *bx) subst(id, typ int) { w.u8(0x0e); w.u16(id); w.u8(typ) }

// arg is one template argument: its type and bytes, and the size its
// descriptor gives (the bytes' length when size is -1).
type arg struct {
	typ  int
	data []byte
	size int
}

func argString(s string) arg { return arg{0x01, utf16le(s), -1} }
func argU8(v int) arg        { return arg{0x04, []byte{byte(v)}, -1} }
func argU16(v int) arg       { return arg{0x06, binary.LittleEndian.AppendUint16(nil, uint16(v)), -1} }
func argU32(v uint32) arg    { return arg{0x08, binary.LittleEndian.AppendUint32(nil, v), -1} }
func argHex32(v uint32) arg  { return arg{0x14, binary.LittleEndian.AppendUint32(nil, v), -1} }
func argU64(v uint64) arg    { return arg{0x0a, binary.LittleEndian.AppendUint64(nil, v), -1} }
func argFiletime(t time.Time) arg {
	ft := uint64(t.UnixNano()/100) + 116444736000000000
	return arg{0x11, binary.LittleEndian.AppendUint64(nil, ft), -1}
}

// ev is an event to write: System's parts and EventData's named values.
type ev struct {
	provider, channel string
	id, level         int
	time              time.Time
	recordID          uint64
	names             []string // EventData's Data names
	values            []arg    // their values
	extra             []arg    // more arguments, referred to by nothing
}

// eventTemplate writes the definition body of a template for an event
// with these EventData names: arguments 0–5 are System's, 6… the data.
func (w *bx) eventTemplate(names []string) {
	w.u8(0x0f)
	w.u8(1)
	w.u8(1)
	w.u8(0)
	w.open("Event", false)
	w.u8(0x02)
	w.open("System", false)
	w.u8(0x02)
	w.open("Provider", true)
	w.attr("Name")
	w.subst(0, 0x01)
	w.u8(0x03)
	for _, e := range []struct {
		name string
		id   int
		typ  int
	}{{"EventID", 1, 0x06}, {"Level", 2, 0x04}} {
		w.open(e.name, false)
		w.u8(0x02)
		w.subst(e.id, e.typ)
		w.u8(0x04)
	}
	w.open("TimeCreated", true)
	w.attr("SystemTime")
	w.subst(3, 0x11)
	w.u8(0x03)
	for _, e := range []struct {
		name string
		id   int
		typ  int
	}{{"EventRecordID", 4, 0x0a}, {"Channel", 5, 0x01}} {
		w.open(e.name, false)
		w.u8(0x02)
		w.subst(e.id, e.typ)
		w.u8(0x04)
	}
	w.u8(0x04) // </System>
	w.open("EventData", false)
	w.u8(0x02)
	for i, n := range names {
		w.open("Data", true)
		w.attr("Name")
		w.text(n)
		w.u8(0x02)
		w.subst(6+i, 0x01)
		w.u8(0x04)
	}
	w.u8(0x04) // </EventData>
	w.u8(0x04) // </Event>
	w.u8(0x00)
}

// chunkBuilder writes records into one chunk.
type chunkBuilder struct {
	w       bx
	defs    map[string]int // template definition offsets, by their data names
	first   uint64
	last    uint64
	lastOff int
	nextTID int
}

func newChunk() *chunkBuilder {
	c := &chunkBuilder{defs: map[string]int{}, nextTID: 0x1000}
	c.w.b = make([]byte, chunkHeaderSize)
	copy(c.w.b, chunkMagic)
	binary.LittleEndian.PutUint32(c.w.b[0x28:], 0x80)
	return c
}

// add writes one record; the template for its data names is defined in
// the first record that uses it and referred to after.
func (c *chunkBuilder) add(e ev) {
	w := &c.w
	start := w.pos()
	w.b = append(w.b, recordMagic...)
	w.u32(0) // size, below
	w.u64(e.recordID)
	w.u64(uint64(e.time.UnixNano()/100) + 116444736000000000)
	w.u8(0x0f)
	w.u8(1)
	w.u8(1)
	w.u8(0)
	w.u8(0x0c)
	w.u8(1)
	key := fmtNames(e.names)
	args := append([]arg{argString(e.provider), argU16(e.id), argU8(e.level), argFiletime(e.time), argU64(e.recordID), argString(e.channel)}, e.values...)
	args = append(args, e.extra...)
	if def, ok := c.defs[key]; ok {
		w.u32(def + 0x10000) // template ID (derived from the offset: unique in the chunk)
		w.u32(def)
	} else {
		def := w.pos() + 8
		c.defs[key] = def
		w.u32(def + 0x10000)
		w.u32(def)
		w.u32(0)                               // next template
		w.b = append(w.b, make([]byte, 16)...) // GUID
		sizeAt := w.pos()
		w.u32(0)
		body := w.pos()
		w.eventTemplate(e.names)
		binary.LittleEndian.PutUint32(w.b[sizeAt:], uint32(w.pos()-body))
	}
	w.u32(len(args))
	for _, a := range args {
		size := a.size
		if size < 0 {
			size = len(a.data)
		}
		w.u16(size)
		w.u16(a.typ)
	}
	for _, a := range args {
		w.b = append(w.b, a.data...)
	}
	w.u8(0x00)
	size := w.pos() + 4 - start
	w.u32(size)
	binary.LittleEndian.PutUint32(w.b[start+4:], uint32(size))
	if c.first == 0 {
		c.first = e.recordID
	}
	c.last = e.recordID
	c.lastOff = start
}

func fmtNames(ns []string) string {
	s := ""
	for _, n := range ns {
		s += n + "\x00"
	}
	return s
}

// bytes returns the 64 KiB chunk with its header filled in.
func (c *chunkBuilder) bytes() []byte {
	b := make([]byte, chunkSize)
	copy(b, c.w.b)
	binary.LittleEndian.PutUint64(b[0x08:], c.first)
	binary.LittleEndian.PutUint64(b[0x10:], c.last)
	binary.LittleEndian.PutUint64(b[0x18:], c.first)
	binary.LittleEndian.PutUint64(b[0x20:], c.last)
	binary.LittleEndian.PutUint32(b[0x2c:], uint32(c.lastOff))
	binary.LittleEndian.PutUint32(b[0x30:], uint32(len(c.w.b)))
	return b
}

// schannel36887 is a fatal-alert-received record as Windows writes it
// (Schannel's 36887 carries AlertDesc; CAUSES.md 1c).
func schannel36887(id uint64, t time.Time, alert uint32) ev {
	return ev{provider: "Schannel", channel: "System", id: 36887, level: 2, time: t, recordID: id,
		names: []string{"AlertDesc"}, values: []arg{argU32(alert)}}
}

// raw writes one record whose BinXML body writes; id and time fill its
// header.
func (c *chunkBuilder) raw(id uint64, body func(w *bx)) {
	w := &c.w
	start := w.pos()
	w.b = append(w.b, recordMagic...)
	w.u32(0)
	w.u64(id)
	w.u64(uint64(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC).UnixNano()/100) + 116444736000000000)
	body(w)
	size := w.pos() + 4 - start
	w.u32(size)
	binary.LittleEndian.PutUint32(w.b[start+4:], uint32(size))
	if c.first == 0 {
		c.first = id
	}
	c.last = id
	c.lastOff = start
}

// instanceHead writes a fragment header and the start of a template
// instance defining a new template with the given body; it returns the
// definition's offset.
func (w *bx) instanceHead(tid int, body func(w *bx)) int {
	w.u8(0x0f)
	w.u8(1)
	w.u8(1)
	w.u8(0)
	w.u8(0x0c)
	w.u8(1)
	def := w.pos() + 8
	w.u32(tid)
	w.u32(def)
	w.u32(0)
	w.b = append(w.b, make([]byte, 16)...)
	sizeAt := w.pos()
	w.u32(0)
	start := w.pos()
	body(w)
	binary.LittleEndian.PutUint32(w.b[sizeAt:], uint32(w.pos()-start))
	return def
}
