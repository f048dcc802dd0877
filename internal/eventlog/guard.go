package eventlog

import (
	"encoding/binary"
	"fmt"
)

// The guard walks a chunk the way the evtx library will, before the
// library sees it, and decides how many of its records the library may
// parse. The library (www.velocidex.com/golang/evtx) trusts its input: on
// a crafted chunk it panics (a SYSTEMTIME shorter than 16 bytes, an odd
// length for an array of uint16, an array of uint64 or hex64 whose length
// is not a multiple of 8), allocates without bound (a template's argument
// count read uncapped, up to 4 billion descriptors) or loops for minutes
// (a record of size 0 parsed 10,240 times; a SID's sub-authorities
// appended one by one to a string, quadratic in a 64 KiB length; thousands
// of template instances expanding a template of thousands of nodes). The
// guard mirrors every read the library makes, in the same order and with
// the same quirks (it ignores a template instance's definition offset and
// goes by the template's ID; a substitution of value type 0 reads one more
// byte), and refuses a record as soon as the library would read outside
// it, read a value of a length its type cannot have, nest too deep, or
// spend more than the chunk's work budget. The records before a refused
// one are still parsed: the library reads a chunk's records in order, and
// templates are defined by earlier records only.

// Layout of an .evtx file ([MS-EVEN6] and libyal's "Windows XML Event Log
// (EVTX)" format notes).
const (
	fileHeaderMagic  = "ElfFile\x00"
	chunkMagic       = "ElfChnk\x00"
	chunkSize        = 0x10000
	chunkHeaderSize  = 0x200
	recordMagic      = "\x2a\x2a\x00\x00"
	recordHeaderSize = 24
	// minRecordSize is a record header, an end-of-fragment token and the
	// trailing copy of the size.
	minRecordSize = recordHeaderSize + 1 + 4
)

// Bounds of the walk. Real records nest elements 4–6 deep, nest
// templates through BinXML arguments at most 2–3 deep, and cost (in the
// units below) at most 24,959 per chunk on the samples (TestGuardCost);
// the library spends about 1.5 allocations and 0.2 µs per unit (5 ms on
// such a chunk). The budget is ten times the costliest real chunk: a
// crafted chunk costs the library at most about 50 ms and 20 MB.
const (
	maxElementDepth  = 64
	maxTemplateDepth = 8
	maxLibraryArgs   = 10 * 1024 // the library caps a known template's argument count here
	// chunkBudget bounds the library's work on one chunk: one unit per
	// token, per character of a name or text, per node of a template
	// expanded, per argument.
	chunkBudget = 1 << 18
)

// chunkVerdict is what the guard found in one chunk.
type chunkVerdict struct {
	records int    // records the library may parse, from the first
	defect  string // why the walk stopped early; "" when the chunk ended cleanly
	cost    int    // work units the library will spend on them
}

// checkChunk walks the records of a 64 KiB chunk and their BinXML.
func checkChunk(b []byte) chunkVerdict { return walkChunk(b, true) }

// countRecords walks only the records' headers: for a chunk the
// pre-filter rules out, whose records are counted, not parsed.
func countRecords(b []byte) chunkVerdict { return walkChunk(b, false) }

func walkChunk(b []byte, deep bool) chunkVerdict {
	if len(b) != chunkSize || string(b[:8]) != chunkMagic {
		return chunkVerdict{defect: "no chunk header"}
	}
	g := guard{b: b, known: map[uint32]*template{}}
	// The records end where the chunk's free space begins (offset 0x30
	// of the chunk header); a header that says otherwise is ignored and
	// the walk ends at the first slot without a record's magic.
	end := chunkSize
	if free := int(binary.LittleEndian.Uint32(b[0x30:])); free > chunkHeaderSize && free <= chunkSize {
		end = free
	}
	var v chunkVerdict
	for off := chunkHeaderSize; off+recordHeaderSize <= end; {
		if string(b[off:off+4]) != recordMagic {
			break
		}
		size := int(binary.LittleEndian.Uint32(b[off+4:]))
		if size < minRecordSize || size > end-off {
			v.defect = fmt.Sprintf("record at 0x%x: size %d runs past the chunk's records", off, size)
			break
		}
		if got := int(binary.LittleEndian.Uint32(b[off+size-4:])); got != size {
			v.defect = fmt.Sprintf("record at 0x%x: size %d, but its trailing copy says %d", off, size, got)
			break
		}
		if !deep {
			v.records++
			off += size
			continue
		}
		if err := g.record(off+recordHeaderSize, off+size-4); err != nil {
			v.defect = fmt.Sprintf("record at 0x%x: %v", off, err)
			break
		}
		v.records++
		v.cost = g.cost
		off += size
	}
	return v
}

// template is what the guard knows of a template defined in the chunk.
type template struct {
	off   int // offset of its definition (what instances point to)
	nodes int // nodes the library builds for it, and copies per instance
}

type guard struct {
	b     []byte
	known map[uint32]*template
	cost  int
}

// span is a cursor that must stay below hi.
type span struct{ pos, hi int }

type guardError string

func (e guardError) Error() string { return string(e) }

const errPast = guardError("reads past its end")

func (g *guard) spend(n int) error {
	g.cost += n
	if g.cost > chunkBudget {
		return guardError("the chunk's work budget is spent")
	}
	return nil
}

func (s *span) need(n int) error {
	if n < 0 || s.pos+n > s.hi {
		return errPast
	}
	return nil
}

func (g *guard) u8(s *span) (int, error) {
	if err := s.need(1); err != nil {
		return 0, err
	}
	v := g.b[s.pos]
	s.pos++
	return int(v), nil
}

func (g *guard) u16(s *span) (int, error) {
	if err := s.need(2); err != nil {
		return 0, err
	}
	v := binary.LittleEndian.Uint16(g.b[s.pos:])
	s.pos += 2
	return int(v), nil
}

func (g *guard) u32(s *span) (uint32, error) {
	if err := s.need(4); err != nil {
		return 0, err
	}
	v := binary.LittleEndian.Uint32(g.b[s.pos:])
	s.pos += 4
	return v, nil
}

func (g *guard) skip(s *span, n int) error {
	if err := s.need(n); err != nil {
		return err
	}
	s.pos += n
	return nil
}

// record walks one record's BinXML, as evtx.EventRecord.Parse does.
func (g *guard) record(lo, hi int) error {
	s := span{lo, hi}
	var nodes int
	return g.binXML(&s, false, 0, &nodes)
}

// binXML mirrors evtx.ParseBinXML: tokens until end-of-fragment, an
// unknown token, or a template instance the library gives up on.
func (g *guard) binXML(s *span, inTemplate bool, depth int, nodes *int) error {
	open := 0
	for {
		tag, err := g.u8(s)
		if err != nil {
			return err
		}
		if err := g.spend(1); err != nil {
			return err
		}
		switch tag {
		case 0x00: // end of fragment
			return nil
		case 0x01, 0x41: // element start (0x41: with attributes)
			if inTemplate { // dependency identifier
				if err := g.skip(s, 2); err != nil {
					return err
				}
			}
			if err := g.skip(s, 4); err != nil { // data size
				return err
			}
			if err := g.name(s); err != nil {
				return err
			}
			if tag == 0x41 {
				if err := g.skip(s, 4); err != nil { // attribute list size
					return err
				}
			}
			*nodes++
			if open++; open > maxElementDepth {
				return guardError("elements nest too deep")
			}
		case 0x02: // close start element
		case 0x03, 0x04: // close empty element, end element
			if open > 0 {
				open--
			}
		case 0x05, 0x45: // value text
			if err := g.skip(s, 1); err != nil {
				return err
			}
			n, err := g.u16(s)
			if err != nil {
				return err
			}
			if err := g.skip(s, 2*n); err != nil {
				return err
			}
			if err := g.spend(n); err != nil {
				return err
			}
			*nodes++
		case 0x06, 0x46: // attribute
			if err := g.name(s); err != nil {
				return err
			}
		case 0x07, 0x47, 0x08, 0x48, 0x09, 0x49, 0x0a, 0x0b:
			// CDATA, character and entity references, processing
			// instructions: the library reads the token only.
		case 0x0c: // template instance
			if inTemplate {
				return guardError("a template instance inside a template definition")
			}
			stop, err := g.instance(s, depth, nodes)
			if err != nil || stop {
				return err
			}
		case 0x0d, 0x0e: // substitution
			if err := g.skip(s, 2); err != nil {
				return err
			}
			t, err := g.u8(s)
			if err != nil {
				return err
			}
			if t == 0 { // the library reads the next byte as the type
				if _, err := g.u8(s); err != nil {
					return err
				}
			}
			*nodes++
		case 0x0f: // fragment header
			if err := g.skip(s, 3); err != nil {
				return err
			}
		default: // the library stops at a token it does not know
			return nil
		}
	}
}

// name mirrors evtx.ReadName: a name inline, or by its offset in the
// chunk. A name by offset must lie wholly before the reference (names are
// defined before they are reused).
func (g *guard) name(s *span) error {
	at := s.pos
	off, err := g.u32(s)
	if err != nil {
		return err
	}
	if int64(off) != int64(s.pos) {
		o := int(off)
		if int64(off) < chunkHeaderSize || int64(off)+8 > int64(at) {
			return guardError("a name's offset points outside the records before it")
		}
		n := int(binary.LittleEndian.Uint16(g.b[o+6:]))
		if o+8+2*(n+1) > at {
			return guardError("a name by offset runs past the reference")
		}
		return g.spend(n)
	}
	if err := g.skip(s, 6); err != nil {
		return err
	}
	n, err := g.u16(s)
	if err != nil {
		return err
	}
	if err := g.skip(s, 2*(n+1)); err != nil {
		return err
	}
	return g.spend(n)
}

// instance mirrors evtx.ParseTemplateInstance. stop is true where the
// library returns false and ends the fragment.
func (g *guard) instance(s *span, depth int, nodes *int) (stop bool, err error) {
	if depth >= maxTemplateDepth {
		return false, guardError("templates nest too deep")
	}
	if v, err := g.u8(s); err != nil || v != 1 {
		return true, err
	}
	id, err := g.u32(s)
	if err != nil || id == 0 {
		return true, err
	}
	def, err := g.u32(s)
	if err != nil {
		return false, err
	}
	here := s.pos
	nargs32, err := g.u32(s)
	if err != nil {
		return false, err
	}
	nargs := int64(nargs32)
	t, ok := g.known[id]
	if ok {
		// The library goes by the ID; Windows by the offset. They must
		// agree, or the library would expand another template.
		if int(def) != t.off {
			return false, guardError("a template instance's ID and definition offset disagree")
		}
		nargs = min(nargs, maxLibraryArgs)
	} else {
		// A new template is defined here, right after the instance.
		if int64(def) != int64(here) {
			return false, guardError("a template instance refers to a template not defined before it")
		}
		if err := g.skip(s, 16); err != nil { // GUID
			return false, err
		}
		size, err := g.u32(s)
		if err != nil {
			return false, err
		}
		if int64(size) > int64(s.hi-s.pos) {
			return false, errPast
		}
		t = &template{off: here}
		g.known[id] = t
		body := span{s.pos, s.pos + int(size)}
		var n int
		if err := g.binXML(&body, true, depth, &n); err != nil {
			return false, fmt.Errorf("template definition: %w", err)
		}
		t.nodes = n + 1
		s.pos += int(size)
		v, err := g.u32(s) // the library reads the count again, uncapped
		if err != nil {
			return false, err
		}
		nargs = int64(v)
	}
	if nargs*4 > int64(s.hi-s.pos) {
		return false, guardError("more template arguments than bytes")
	}
	if err := g.spend(int(nargs) + t.nodes); err != nil {
		return false, err
	}
	type arg struct{ size, typ int }
	args := make([]arg, nargs)
	for i := range args {
		args[i].size, _ = g.u16(s)
		args[i].typ, _ = g.u16(s)
	}
	for _, a := range args {
		if err := g.value(s, a.size, a.typ, depth, nodes); err != nil {
			return false, err
		}
	}
	*nodes++
	return false, nil
}

// value mirrors how the library reads one template argument: each fixed
// size type is read at its own size whatever the descriptor says, so the
// descriptor must say that size.
func (g *guard) value(s *span, size, typ, depth int, nodes *int) error {
	want := -1 // the size the type must have; -1: any
	switch typ {
	case 0x04: // uint8
		want = 1
	case 0x06: // uint16
		want = 2
	case 0x07, 0x08, 0x0b, 0x14: // int32, uint32, real32, hex32
		want = 4
	case 0x09, 0x0a, 0x0c, 0x11, 0x15: // int64, uint64, real64, FILETIME, hex64
		want = 8
	case 0x0f: // GUID
		want = 16
	case 0x12: // SYSTEMTIME
		want = 16
	case 0x0d: // bool: 1, 2, 4 or 8 bytes
		if size != 1 && size != 2 && size != 4 && size != 8 {
			return fmt.Errorf("a bool of %d bytes", size)
		}
	case 0x13: // SID: 8 bytes and up to 15 sub-authorities of 4
		if size < 8 || (size-8)%4 != 0 || size > 8+15*4 {
			return fmt.Errorf("a SID of %d bytes", size)
		}
	case 0x86: // array of uint16
		if size%2 != 0 {
			return fmt.Errorf("an array of uint16 of %d bytes", size)
		}
	case 0x8a, 0x95: // array of uint64, array of hex64
		if size%8 != 0 {
			return fmt.Errorf("an array of 64-bit values of %d bytes", size)
		}
	case 0x21: // BinXML: parsed where it lies, then skipped
		if err := s.need(size); err != nil {
			return err
		}
		inner := span{s.pos, s.pos + size}
		if err := g.binXML(&inner, false, depth+1, nodes); err != nil {
			return fmt.Errorf("BinXML argument: %w", err)
		}
	}
	if want >= 0 && size != want {
		return fmt.Errorf("a value of type 0x%x of %d bytes", typ, size)
	}
	if err := g.skip(s, size); err != nil {
		return err
	}
	return g.spend(size / 8)
}
