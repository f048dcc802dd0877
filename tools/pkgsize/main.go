// Command pkgsize prints how much of a Go binary each package (or module)
// takes: the sizes of its code and data symbols, summed. It reads an
// unstripped build (ELF or PE), since -s drops the symbol table:
//
//	go build -trimpath -o /tmp/qadoctor ./cmd/qadoctor
//	go run ./tools/pkgsize -n 15 /tmp/qadoctor
//	go run ./tools/pkgsize -by module /tmp/qadoctor
//
// Zeroed data (.bss, .noptrbss) is left out: it costs no bytes on disk.
// The function tables of the runtime (.gopclntab: names, lines, frames)
// are in no symbol, so the total is less than the file; it is printed
// beside it.
package main

import (
	"cmp"
	"debug/elf"
	"debug/pe"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

func main() {
	n := flag.Int("n", 15, "how many rows to print")
	by := flag.String("by", "package", "group by `package` or module")
	flag.Parse()
	if flag.NArg() != 1 || (*by != "package" && *by != "module") {
		fmt.Fprintln(os.Stderr, "usage: pkgsize [-n 15] [-by package|module] BINARY")
		os.Exit(2)
	}
	if err := run(os.Stdout, flag.Arg(0), *n, *by); err != nil {
		fmt.Fprintln(os.Stderr, "pkgsize:", err)
		os.Exit(1)
	}
}

func run(w io.Writer, path string, n int, by string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	syms, err := readSymbols(path)
	if err != nil {
		return fmt.Errorf("read symbols of %s: %w", path, err)
	}
	if len(syms) == 0 {
		return fmt.Errorf("%s has no symbol table: build it without -ldflags=-s", path)
	}
	group := Package
	if by == "module" {
		group = Module
	}
	sums := map[string]int64{}
	var total int64
	for _, s := range syms {
		sums[group(s.name)] += s.size
		total += s.size
	}
	type row struct {
		name string
		size int64
	}
	rows := make([]row, 0, len(sums))
	for k, v := range sums {
		rows = append(rows, row{k, v})
	}
	slices.SortFunc(rows, func(a, b row) int { return cmp.Or(cmp.Compare(b.size, a.size), strings.Compare(a.name, b.name)) })
	fmt.Fprintf(w, "%s: %.2f MiB file, %.2f MiB in symbols (code and data)\n", path, mib(fi.Size()), mib(total))
	for _, r := range rows[:min(n, len(rows))] {
		fmt.Fprintf(w, "%8.3f MiB %5.1f%%  %s\n", mib(r.size), 100*float64(r.size)/float64(total), r.name)
	}
	return nil
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

type symbol struct {
	name string
	size int64
}

// readSymbols returns the symbols that take bytes in the file.
func readSymbols(path string) ([]symbol, error) {
	if f, err := elf.Open(path); err == nil {
		defer f.Close()
		return elfSymbols(f)
	}
	if f, err := pe.Open(path); err == nil {
		defer f.Close()
		return peSymbols(f)
	}
	return nil, errors.New("neither ELF nor PE")
}

func elfSymbols(f *elf.File) ([]symbol, error) {
	syms, err := f.Symbols()
	if err != nil {
		return nil, err
	}
	var out []symbol
	covered := make([]int64, len(f.Sections))
	for _, s := range syms {
		if s.Size == 0 || s.Section == elf.SHN_UNDEF || int(s.Section) >= len(f.Sections) {
			continue
		}
		if sec := f.Sections[s.Section]; sec.Type == elf.SHT_NOBITS || sec.Flags&elf.SHF_ALLOC == 0 {
			continue
		}
		out = append(out, symbol{s.Name, int64(s.Size)})
		covered[s.Section] += int64(s.Size)
	}
	// What no symbol covers: mostly .gopclntab, the function tables.
	for i, sec := range f.Sections {
		if sec.Type == elf.SHT_NOBITS || sec.Flags&elf.SHF_ALLOC == 0 || int64(sec.Size) <= covered[i] {
			continue
		}
		name := "(" + sec.Name + ", in no symbol)"
		if sec.Name == ".gopclntab" {
			name = functionTables
		}
		out = append(out, symbol{name, int64(sec.Size) - covered[i]})
	}
	return out, nil
}

// functionTables are the runtime's tables of function names, files,
// lines and frames (runtime.pclntab), which -s does not strip.
const functionTables = "(function tables, pclntab)"

// markers are the linker's symbols that mark where a region starts or
// ends: on PE they would take the bytes of the symbol at their address.
var markers = map[string]bool{}

func init() {
	for _, r := range []string{"text", "rodata", "types", "noptrdata", "data", "bss", "noptrbss", "covctrs", "pclntab", "symtab"} {
		markers["runtime."+r] = r != "pclntab"
		markers["runtime.e"+r] = true
	}
	markers["runtime.end"] = true
}

// peSymbols gives each symbol the bytes up to the next one in its section
// (COFF symbols have no size), clipped to what the file holds of the
// section (the rest is zeroed at load).
func peSymbols(f *pe.File) ([]symbol, error) {
	type at struct {
		name string
		sec  int
		off  uint32
	}
	var all []at
	for _, s := range f.Symbols {
		if s.SectionNumber <= 0 || int(s.SectionNumber) > len(f.Sections) || s.StorageClass != 2 /* IMAGE_SYM_CLASS_EXTERNAL */ && s.StorageClass != 3 /* STATIC */ {
			continue
		}
		if markers[s.Name] {
			continue
		}
		all = append(all, at{s.Name, int(s.SectionNumber) - 1, s.Value})
	}
	slices.SortFunc(all, func(a, b at) int { return cmp.Or(cmp.Compare(a.sec, b.sec), cmp.Compare(a.off, b.off)) })
	var out []symbol
	for i, s := range all {
		sec := f.Sections[s.sec]
		end := min(sec.VirtualSize, sec.Size)
		if i+1 < len(all) && all[i+1].sec == s.sec {
			end = min(end, all[i+1].off)
		}
		if end > s.off {
			out = append(out, symbol{s.name, int64(end - s.off)})
		}
	}
	return out, nil
}

// Package is the import path a symbol belongs to: "golang.org/x/text/collate"
// for "golang.org/x/text/collate.mainValues", the type's package for a type
// descriptor, and "(runtime metadata)" for the linker's own tables.
func Package(sym string) string {
	switch {
	case sym == "runtime.pclntab" || sym == "runtime.findfunctab" || sym == functionTables:
		return functionTables
	case strings.HasPrefix(sym, "("):
		return sym
	}
	s := strings.TrimPrefix(sym, "type:")
	s = strings.TrimPrefix(s, ".eq.") // a type's generated equality function
	s = strings.TrimLeft(s, "*[]")
	if strings.HasPrefix(s, "go:") || strings.HasPrefix(s, "go.") || strings.HasPrefix(s, "runtime.") && s != sym {
		return "(runtime metadata)"
	}
	head := s
	if i := strings.IndexAny(head, "[("); i >= 0 {
		head = head[:i] // a generic's or method's parentheses may hold other paths
	}
	slash := strings.LastIndexByte(head, '/')
	dot := strings.IndexByte(s[slash+1:], '.')
	if dot < 0 {
		return "(runtime metadata)"
	}
	return s[:slash+1+dot]
}

// Module is the module (or, for the standard library, "std") a symbol's
// package belongs to, judged by its path: github.com/owner/repo,
// golang.org/x/name, or the path up to a /vN.
func Module(sym string) string {
	p := Package(sym)
	if strings.HasPrefix(p, "(") {
		return p
	}
	parts := strings.Split(p, "/")
	if !strings.Contains(parts[0], ".") {
		return "std"
	}
	n := 3
	switch parts[0] {
	case "gopkg.in":
		n = 2
	case "go.yaml.in":
		n = 3
	}
	if len(parts) < n {
		return p
	}
	if len(parts) > n && len(parts[n]) > 1 && parts[n][0] == 'v' && strings.Trim(parts[n][1:], "0123456789") == "" {
		n++ // a major version suffix
	}
	return strings.Join(parts[:n], "/")
}
