package history

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
)

// This file reads SQLite's file format (https://www.sqlite.org/fileformat2.html)
// as far as Read needs it: the header, table b-trees, overflow chains,
// records, and the committed state of a rollback journal or a WAL. Every
// bound is checked before it is used; every page is visited at most once
// per read, so a loop in the file is an error, not a hang.

const (
	headerSize = 100
	// maxDepth is how deep a table b-tree may be: SQLite's own cursor
	// limit (BTCURSOR_MAX_DEPTH in btree.c). A real History is 3 or 4
	// deep.
	maxDepth = 20
	// maxPayload is how much of one row is assembled: enough for the
	// record header and a URL's scheme, host and the part of its path
	// kept (a page URL is rarely longer than 2 KiB; Chromium allows 2
	// MiB). The rest of a longer row is never read.
	maxPayload = 64 << 10
)

// errNotCopied is a page beyond the part of the file that was copied
// (the file is larger than Limits.MaxBytes).
var errNotCopied = errors.New("page beyond the part copied")

// corruptError is a file that is not a well-formed SQLite database.
type corruptError struct {
	page uint32 // 0: not about one page
	msg  string
}

func (e *corruptError) Error() string {
	if e.page == 0 {
		return e.msg
	}
	return fmt.Sprintf("page %d: %s", e.page, e.msg)
}

func corrupt(page uint32, format string, args ...any) error {
	return &corruptError{page, fmt.Sprintf(format, args...)}
}

// db is one database as read: the main file's pages with, laid over them,
// the committed frames of its WAL or the original pages of an unfinished
// transaction's rollback journal.
type db struct {
	main     []byte // the main file, or the part of it copied
	mainSize int64  // the main file's real size
	pageSize int
	usable   int // pageSize less the reserved bytes at each page's end
	nPages   uint32
	overlay  map[uint32][]byte
	visited  []uint64 // one bit a copied page: reached once already
	// visitedOver are the pages laid over the file reached once already.
	visitedOver map[uint32]bool
	scratch     []byte       // payloads that overflow, assembled
	tick        func() error // called every few hundred pages and rows: the deadline
	ticks       int
}

func be16(b []byte) int    { return int(binary.BigEndian.Uint16(b)) }
func be32(b []byte) uint32 { return binary.BigEndian.Uint32(b) }

// openDB reads the header of main and lays the WAL (for a database in WAL
// mode) or a hot rollback journal (otherwise) over it.
func openDB(main []byte, mainSize int64, journal, wal []byte) (*db, error) {
	if len(main) < headerSize {
		return nil, corrupt(0, "%d bytes, shorter than a SQLite header", len(main))
	}
	if string(main[:16]) != "SQLite format 3\x00" {
		return nil, corrupt(0, "not a SQLite database (its first 16 bytes are not \"SQLite format 3\")")
	}
	ps := be16(main[16:])
	if ps == 1 {
		ps = 1 << 16
	}
	if ps < 512 || bits.OnesCount(uint(ps)) != 1 {
		return nil, corrupt(0, "page size %d is not a power of two from 512 to 65536", be16(main[16:]))
	}
	write, read := main[18], main[19]
	if read > 2 || write > 2 || read == 0 || write == 0 {
		return nil, corrupt(0, "file format versions %d/%d are not 1 (rollback journal) or 2 (WAL)", write, read)
	}
	usable := ps - int(main[20])
	if usable < 480 {
		return nil, corrupt(0, "%d reserved bytes a page leave too little room", main[20])
	}
	if main[21] != 64 || main[22] != 32 || main[23] != 32 {
		return nil, corrupt(0, "payload fractions %d/%d/%d are not 64/32/32", main[21], main[22], main[23])
	}
	switch enc := be32(main[56:]); enc {
	case 0, 1: // 0: not yet set in a new, empty database
	default:
		return nil, corrupt(0, "text encoding %d is not UTF-8 (Chromium writes UTF-8)", enc)
	}
	d := &db{main: main, mainSize: mainSize, pageSize: ps, usable: usable}
	// The size in the header counts only if written by a version of
	// SQLite that keeps it (version-valid-for equals the change counter);
	// otherwise the file's size says it.
	d.nPages = uint32(min(mainSize/int64(ps), 1<<31))
	if n := be32(main[28:]); n != 0 && be32(main[92:]) == be32(main[24:]) {
		d.nPages = n
	}
	if read == 2 || write == 2 {
		if err := d.applyWAL(wal); err != nil {
			return nil, err
		}
	} else if err := d.applyJournal(journal); err != nil {
		return nil, err
	}
	if d.nPages == 0 {
		return nil, corrupt(0, "the database has no pages")
	}
	// Every page counted must be in the file or laid over it: a header
	// that claims more would size the visited set from a lie.
	if held := (uint64(mainSize)+uint64(ps)-1)/uint64(ps) + uint64(len(d.overlay)); uint64(d.nPages) > held {
		return nil, corrupt(0, "the header counts %d pages; the file holds %d", d.nPages, held)
	}
	// The visited set covers the pages that can be read (copied, or laid
	// over the file), not what the header or the file's size claims: a
	// sparse file of terabytes must not cost memory for pages never copied.
	// Pages laid over are counted apart, one entry each.
	reach := min(uint64(len(main))/uint64(ps), uint64(d.nPages))
	d.visited = make([]uint64, (reach+64)/64)
	d.visitedOver = make(map[uint32]bool, len(d.overlay))
	return d, nil
}

// applyWAL lays the WAL's committed frames over the main file, as SQLite's
// recovery does: frames count while their salts match the WAL header and
// their cumulative checksums hold, up to the last commit frame. A WAL
// without a valid header is ignored, as SQLite ignores it.
func (d *db) applyWAL(wal []byte) error {
	if len(wal) < 32 {
		return nil
	}
	magic := be32(wal)
	if magic&^1 != 0x377f0682 || be32(wal[4:]) != 3007000 {
		return nil
	}
	bigEndian := magic&1 == 1
	s0, s1 := walSum(wal[:24], bigEndian, 0, 0)
	if s0 != be32(wal[24:]) || s1 != be32(wal[28:]) {
		return nil
	}
	if ps := be32(wal[8:]); int(ps) != d.pageSize {
		return corrupt(0, "the WAL's page size %d is not the database's %d", ps, d.pageSize)
	}
	salt1, salt2 := be32(wal[16:]), be32(wal[20:])
	pending := map[uint32][]byte{}
	overlay := map[uint32][]byte{}
	nPages := d.nPages
	for off := 32; off+24+d.pageSize <= len(wal); off += 24 + d.pageSize {
		fh, page := wal[off:off+24], wal[off+24:off+24+d.pageSize]
		if be32(fh[8:]) != salt1 || be32(fh[12:]) != salt2 {
			break
		}
		s0, s1 = walSum(fh[:8], bigEndian, s0, s1)
		s0, s1 = walSum(page, bigEndian, s0, s1)
		if s0 != be32(fh[16:]) || s1 != be32(fh[20:]) {
			break
		}
		pg := be32(fh)
		if pg == 0 {
			break
		}
		pending[pg] = page
		if commit := be32(fh[4:]); commit != 0 {
			for p, b := range pending {
				overlay[p] = b
			}
			clear(pending)
			nPages = commit
		}
	}
	if len(overlay) > 0 {
		d.overlay, d.nPages = overlay, nPages
	}
	return nil
}

// walSum is the WAL's checksum over b (a multiple of 8 bytes), words in
// the byte order the WAL's magic number names.
func walSum(b []byte, bigEndian bool, s0, s1 uint32) (uint32, uint32) {
	for i := 0; i+8 <= len(b); i += 8 {
		var x0, x1 uint32
		if bigEndian {
			x0, x1 = binary.BigEndian.Uint32(b[i:]), binary.BigEndian.Uint32(b[i+4:])
		} else {
			x0, x1 = binary.LittleEndian.Uint32(b[i:]), binary.LittleEndian.Uint32(b[i+4:])
		}
		s0 += x0 + s1
		s1 += x1 + s0
	}
	return s0, s1
}

var journalMagic = []byte{0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7}

// applyJournal undoes an unfinished transaction in the copy, as SQLite
// does when it opens a database with a hot journal: the journal holds the
// pages as they were before the transaction, and the database's size
// then. A journal without the magic number at its start is not hot (SQLite
// zeroes it, or truncates the file, when a transaction ends; Chromium
// leaves it in place between transactions) and is ignored. Records count
// up to the first whose checksum fails, as in SQLite's playback.
func (d *db) applyJournal(j []byte) error {
	if len(j) < 28 || string(j[:8]) != string(journalMagic) {
		return nil
	}
	overlay := map[uint32][]byte{}
	var nPages uint32
	for off, first := 0, true; off+28 <= len(j) && string(j[off:off+8]) == string(journalMagic); first = false {
		nRec, nonce, initial := be32(j[off+8:]), be32(j[off+12:]), be32(j[off+16:])
		sector, ps := be32(j[off+20:]), be32(j[off+24:])
		if sector < 32 || sector > 1<<16 || bits.OnesCount32(sector) != 1 {
			return corrupt(0, "the journal's sector size %d is not a power of two from 32 to 65536", sector)
		}
		if int(ps) != d.pageSize {
			return corrupt(0, "the journal's page size %d is not the database's %d", ps, d.pageSize)
		}
		if first {
			nPages = initial
		}
		rec := 8 + d.pageSize
		p := off + int(sector)
		if nRec == 0xffffffff { // not synced: as many records as there are
			nRec = uint32(max(len(j)-p, 0) / rec)
		}
		done := false
		for i := uint32(0); i < nRec; i++ {
			if p+rec > len(j) {
				done = true
				break
			}
			pg, page := be32(j[p:]), j[p+4:p+4+d.pageSize]
			if pg == 0 || journalSum(nonce, page) != be32(j[p+4+d.pageSize:]) {
				done = true
				break
			}
			if _, seen := overlay[pg]; !seen && pg <= nPages {
				overlay[pg] = page // the first copy is the page as it was
			}
			p += rec
		}
		if done || nRec == 0 {
			break
		}
		// The next segment's header starts at the next sector boundary.
		off = (p + int(sector) - 1) / int(sector) * int(sector)
	}
	d.overlay, d.nPages = overlay, nPages
	return nil
}

// journalSum is a journal record's checksum: the nonce plus every 200th
// byte of the page, from the end (pager_cksum in SQLite's pager.c).
func journalSum(nonce uint32, page []byte) uint32 {
	for i := len(page) - 200; i > 0; i -= 200 {
		nonce += uint32(page[i])
	}
	return nonce
}

// page returns page n, marking it visited: a page reached twice in one
// read means the file loops (or shares a page between two owners), and
// is refused.
func (d *db) page(n uint32) ([]byte, error) {
	if n == 0 || n > d.nPages {
		return nil, corrupt(0, "a pointer to page %d, outside the database's %d pages", n, d.nPages)
	}
	p, ok := d.overlay[n]
	if !ok {
		off := int64(n-1) * int64(d.pageSize)
		if off+int64(d.pageSize) > int64(len(d.main)) {
			if off+int64(d.pageSize) <= d.mainSize {
				return nil, errNotCopied
			}
			return nil, corrupt(n, "lies beyond the end of the file (%d bytes)", d.mainSize)
		}
		p = d.main[off : off+int64(d.pageSize)]
	}
	if ok {
		if d.visitedOver[n] {
			return nil, corrupt(n, "reached twice: the file loops back on itself")
		}
		d.visitedOver[n] = true
	} else { // copied: within the visited set
		if d.visited[n/64]&(1<<(n%64)) != 0 {
			return nil, corrupt(n, "reached twice: the file loops back on itself")
		}
		d.visited[n/64] |= 1 << (n % 64)
	}
	if err := d.step(); err != nil {
		return nil, err
	}
	return p, nil
}

// step calls tick every 256 pages or rows.
func (d *db) step() error {
	d.ticks++
	if d.tick != nil && d.ticks%256 == 0 {
		return d.tick()
	}
	return nil
}

// rowFunc gets one row of a table: its rowid and its payload (the record),
// which is only valid during the call and may be cut at maxPayload
// (complete is false then).
type rowFunc func(rowid int64, payload []byte, complete bool) error

// walkTable calls row for every row of the table b-tree whose root is
// page root, in rowid order. A subtree beyond the part of the file copied
// is skipped and counted in *missing.
func (d *db) walkTable(root uint32, row rowFunc, missing *int) error {
	err := d.walk(root, 0, row, missing)
	if err == errNotCopied {
		*missing++
		return nil
	}
	return err
}

func (d *db) walk(n uint32, depth int, row rowFunc, missing *int) error {
	if depth > maxDepth {
		return corrupt(n, "the table is more than %d levels deep", maxDepth)
	}
	p, err := d.page(n)
	if err != nil {
		return err
	}
	h := 0
	if n == 1 {
		h = headerSize
	}
	typ := p[h]
	hdrLen := 8
	if typ == 0x05 {
		hdrLen = 12
	} else if typ != 0x0d {
		return corrupt(n, "type 0x%02x where a table page (0x05 or 0x0d) belongs", typ)
	}
	cells := be16(p[h+3:])
	ptrs := h + hdrLen
	if ptrs+2*cells > d.usable {
		return corrupt(n, "%d cells do not fit in the page", cells)
	}
	for i := range cells {
		off := be16(p[ptrs+2*i:])
		if off < ptrs+2*cells || off >= d.usable {
			return corrupt(n, "cell %d starts at %d, outside the page's cell area", i, off)
		}
		cell := p[off:d.usable]
		if typ == 0x05 {
			if len(cell) < 5 {
				return corrupt(n, "cell %d is cut short", i)
			}
			if err := d.walk(be32(cell), depth+1, row, missing); err != nil {
				if err != errNotCopied {
					return err
				}
				*missing++
			}
			continue
		}
		if err := d.leafCell(n, i, cell, row); err != nil {
			return err
		}
	}
	if typ == 0x05 {
		if err := d.walk(be32(p[h+8:]), depth+1, row, missing); err != nil {
			if err != errNotCopied {
				return err
			}
			*missing++
		}
	}
	return nil
}

// leafCell reads one cell of a table leaf page: payload length, rowid,
// the payload's local part and, when it overflows, as much of its
// overflow chain as maxPayload needs.
func (d *db) leafCell(n uint32, i int, cell []byte, row rowFunc) error {
	size, k := varint(cell)
	if k == 0 || size < 0 || size > 1<<31 {
		return corrupt(n, "cell %d has a bad payload length", i)
	}
	rowid, k2 := varint(cell[k:])
	if k2 == 0 {
		return corrupt(n, "cell %d has a bad rowid", i)
	}
	body := cell[k+k2:]
	local := d.localSize(size)
	if local == int(size) {
		if len(body) < local {
			return corrupt(n, "cell %d: a %d-byte payload runs past the page's end", i, size)
		}
		if err := d.step(); err != nil {
			return err
		}
		return row(rowid, body[:local], true)
	}
	if len(body) < local+4 {
		return corrupt(n, "cell %d: a %d-byte payload runs past the page's end", i, size)
	}
	want := int(min(size, maxPayload))
	buf := append(d.scratch[:0], body[:local]...)
	for next := be32(body[local:]); len(buf) < want; {
		if next == 0 {
			return corrupt(n, "cell %d: its overflow chain ends before its %d bytes", i, size)
		}
		op, err := d.page(next)
		if err != nil {
			return err
		}
		next = be32(op)
		buf = append(buf, op[4:4+min(d.usable-4, want-len(buf))]...)
	}
	d.scratch = buf
	if err := d.step(); err != nil {
		return err
	}
	return row(rowid, buf, want == int(size))
}

// localSize is how many bytes of a table leaf cell's payload of size p
// sit on the page itself (the rest overflows), per the file format's
// section 1.6.
func (d *db) localSize(p int64) int {
	u := int64(d.usable)
	x := u - 35
	if p <= x {
		return int(p)
	}
	m := (u-12)*32/255 - 23
	if k := m + (p-m)%(u-4); k <= x {
		return int(k)
	}
	return int(m)
}

// varint reads a SQLite varint (big-endian, 7 bits a byte, the ninth byte
// whole); k is its length, 0 when b ends first.
func varint(b []byte) (v int64, k int) {
	var u uint64
	for i := 0; i < 9; i++ {
		if i >= len(b) {
			return 0, 0
		}
		if i == 8 {
			return int64(u<<8 | uint64(b[i])), 9
		}
		u = u<<7 | uint64(b[i]&0x7f)
		if b[i] < 0x80 {
			return int64(u), i + 1
		}
	}
	return 0, 0
}

// value is one column of a record.
type value struct {
	kind byte // 'n' null, 'i' integer, 'f' float, 't' text, 'b' blob, 0 absent
	i    int64
	b    []byte // text or blob, possibly cut where the payload was cut
}

// columns fills out[j] with column want[j] of record rec (want ascending).
// A column past the record's end is absent (the row predates an ALTER
// TABLE that added it). In a payload cut at maxPayload (complete false), a
// text or blob that runs past the cut is returned cut; a number past it is
// absent.
func columns(rec []byte, complete bool, want []int, out []value) error {
	hlen, k := varint(rec)
	if k == 0 || hlen < int64(k) || hlen > int64(len(rec)) {
		return errors.New("bad record header")
	}
	hdr, body := rec[k:hlen], int64(hlen)
	for j := range out {
		out[j] = value{}
	}
	col, j := 0, 0
	for len(hdr) > 0 && j < len(want) {
		st, k := varint(hdr)
		if k == 0 {
			return errors.New("bad record header")
		}
		hdr = hdr[k:]
		var size int64
		switch {
		case st < 0 || st == 10 || st == 11:
			return fmt.Errorf("bad serial type %d", st)
		case st <= 4:
			size = st
		case st == 5:
			size = 6
		case st == 6 || st == 7:
			size = 8
		case st <= 9:
			size = 0
		default:
			size = (st - 12) / 2
		}
		if col == want[j] {
			v, err := column(rec, body, st, size, complete)
			if err != nil {
				return err
			}
			out[j] = v
			j++
		}
		if body+size > int64(len(rec)) {
			if complete {
				return errors.New("a column runs past the record's end")
			}
			body = int64(len(rec)) // every later column is past the cut
		} else {
			body += size
		}
		col++
	}
	return nil
}

// column reads the value of serial type st and its size at rec[at:]; at
// is never past len(rec), and at+size cannot overflow (size < 2^62).
func column(rec []byte, at int64, st, size int64, complete bool) (value, error) {
	end := at + size
	if end > int64(len(rec)) {
		switch {
		case complete:
			return value{}, errors.New("a column runs past the record's end")
		case st < 12:
			return value{}, nil // a number past the cut: absent
		}
		end = int64(len(rec))
	}
	b := rec[at:end]
	switch {
	case st == 0:
		return value{kind: 'n'}, nil
	case st <= 6:
		var v int64
		for _, c := range b {
			v = v<<8 | int64(c)
		}
		// Sign-extend from the stored width.
		shift := 64 - 8*uint(len(b))
		return value{kind: 'i', i: v << shift >> shift}, nil
	case st == 7:
		return value{kind: 'f', b: b}, nil
	case st == 8:
		return value{kind: 'i', i: 0}, nil
	case st == 9:
		return value{kind: 'i', i: 1}, nil
	case st%2 == 0:
		return value{kind: 'b', b: b}, nil
	default:
		return value{kind: 't', b: b}, nil
	}
}
