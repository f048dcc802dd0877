// Command sbom writes an SPDX 2.3 software bill of materials (JSON) for
// built Go binaries, from the module list the Go toolchain embeds in each
// (debug/buildinfo): exactly what was linked, nothing guessed, written
// and checked with spdx/tools-golang (the SPDX project's own Go library). Each module
// gets its version, its declared licence as pkg.go.dev classifies it
// (google/licensecheck over the module's LICENSE files, found with
// `go mod download -json`), and its supplier from the licence's copyright
// line; NOASSERTION where a file says nothing.
//
//	go run ./tools/sbom -o dist/qadoctor.spdx.json dist/qadoctor-*
package main

import (
	"bytes"
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/google/licensecheck"
	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx"
	"github.com/spdx/tools-golang/spdx/v2/common"
	"github.com/spdx/tools-golang/spdxlib"
)

func id(s string) common.ElementID {
	return common.ElementID(strings.NewReplacer("/", "-", "@", "-", "_", "-", "+", "-").Replace(s))
}

func main() {
	out := flag.String("o", "sbom.spdx.json", "output file")
	created := flag.String("created", "", "creation time (RFC 3339); default now, or SOURCE_DATE_EPOCH")
	version := flag.String("version", "", "the release version of the binaries (default: the Go module version they embed)")
	flag.Parse()
	ts := time.Now().UTC()
	if e := os.Getenv("SOURCE_DATE_EPOCH"); e != "" {
		var sec int64
		fmt.Sscan(e, &sec)
		ts = time.Unix(sec, 0).UTC()
	}
	if *created != "" {
		ts, _ = time.Parse(time.RFC3339, *created)
	}
	doc, err := build(flag.Args(), *version, ts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sbom:", err)
		os.Exit(1)
	}
	var b bytes.Buffer
	if err := spdxjson.Write(doc, &b, spdxjson.Indent("  ")); err != nil {
		fmt.Fprintln(os.Stderr, "sbom:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, b.Bytes(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "sbom:", err)
		os.Exit(1)
	}
}

// build makes the SPDX 2.3 document of the binaries, with spdx/tools-golang's
// model, and checks it with its validator.
func build(bins []string, version string, ts time.Time) (*spdx.Document, error) {
	doc := &spdx.Document{
		SPDXVersion:       spdx.Version,
		DataLicense:       spdx.DataLicense,
		SPDXIdentifier:    "DOCUMENT",
		DocumentName:      "qadoctor",
		DocumentNamespace: "https://qadoctor.invalid/spdx/" + ts.Format("20060102T150405Z"),
		CreationInfo: &spdx.CreationInfo{
			Creators: []common.Creator{{CreatorType: "Tool", Creator: "qadoctor-tools-sbom"}},
			Created:  ts.Format(time.RFC3339),
		},
	}
	seen := map[common.ElementID]bool{}
	rel := func(a common.ElementID, typ string, b common.ElementID) {
		doc.Relationships = append(doc.Relationships, &spdx.Relationship{
			RefA: common.MakeDocElementID("", string(a)), RefB: common.MakeDocElementID("", string(b)), Relationship: typ})
	}
	for _, bin := range bins {
		bi, err := buildinfo.ReadFile(bin)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", bin, err)
		}
		data, err := os.ReadFile(bin)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(data)
		v := bi.Main.Version
		if version != "" {
			v = version
		}
		b := &spdx.Package{PackageSPDXIdentifier: id(filepath.Base(bin)), PackageName: filepath.Base(bin), PackageVersion: v,
			PackageSupplier: &common.Supplier{SupplierType: "Organization", Supplier: "qadoctor"}, PackageDownloadLocation: "NOASSERTION",
			PackageChecksums:        []common.Checksum{{Algorithm: common.SHA256, Value: hex.EncodeToString(sum[:])}},
			PackageLicenseConcluded: "NOASSERTION", PackageLicenseDeclared: "NOASSERTION", PackageCopyrightText: "NOASSERTION"}
		doc.Packages = append(doc.Packages, b)
		rel("DOCUMENT", "DESCRIBES", b.PackageSPDXIdentifier)
		goID := id("go-" + bi.GoVersion)
		if !seen[goID] {
			seen[goID] = true
			g := &spdx.Package{PackageSPDXIdentifier: goID, PackageName: "go", PackageVersion: strings.TrimPrefix(bi.GoVersion, "go"), PackageDownloadLocation: "https://go.dev/dl/"}
			setLicense(g, licenseOf(goroot()))
			doc.Packages = append(doc.Packages, g)
		}
		rel(b.PackageSPDXIdentifier, "DEPENDS_ON", goID)
		deps := bi.Deps
		sort.Slice(deps, func(i, j int) bool { return deps[i].Path < deps[j].Path })
		for _, d := range deps {
			m := d
			if d.Replace != nil {
				m = d.Replace
			}
			pid := id(m.Path + "-" + m.Version)
			if !seen[pid] {
				seen[pid] = true
				p := &spdx.Package{PackageSPDXIdentifier: pid, PackageName: m.Path, PackageVersion: m.Version, PackageDownloadLocation: "NOASSERTION",
					PackageExternalReferences: []*spdx.PackageExternalReference{{Category: "PACKAGE-MANAGER", RefType: "purl", Locator: "pkg:golang/" + m.Path + "@" + m.Version}}}
				dir, err := moduleDir(m.Path, m.Version)
				if err != nil {
					return nil, fmt.Errorf("%s@%s: %w", m.Path, m.Version, err)
				}
				setLicense(p, licenseOf(dir))
				doc.Packages = append(doc.Packages, p)
			}
			rel(b.PackageSPDXIdentifier, "DEPENDS_ON", pid)
		}
	}
	if err := spdxlib.ValidateDocument(doc); err != nil {
		return nil, fmt.Errorf("the SPDX document does not validate: %w", err)
	}
	return doc, nil
}

// moduleDir finds a module's source in the module cache, downloading it
// if needed, as the go command itself does.
func moduleDir(path, version string) (string, error) {
	out, err := exec.Command("go", "mod", "download", "-json", path+"@"+version).Output()
	if err != nil {
		return "", fmt.Errorf("go mod download: %w", err)
	}
	var m struct{ Dir, Error string }
	if err := json.Unmarshal(out, &m); err != nil || m.Dir == "" {
		return "", fmt.Errorf("go mod download: no directory (%s)", m.Error)
	}
	return m.Dir, nil
}

func goroot() string {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// license is what a module's licence files say.
type license struct {
	ID        string // an SPDX expression, or NOASSERTION
	Copyright string // the first copyright line
	Holder    string // who it names
}

func setLicense(p *spdx.Package, l license) {
	p.PackageLicenseDeclared, p.PackageLicenseConcluded, p.PackageCopyrightText = l.ID, "NOASSERTION", l.Copyright
	p.PackageSupplier = &common.Supplier{Supplier: "NOASSERTION"}
	if l.Holder != "" {
		p.PackageSupplier = &common.Supplier{SupplierType: "Organization", Supplier: l.Holder}
	}
}

// copyrightLine matches "Copyright (c) 2009 The Go Authors. All rights
// reserved.": a year or (c) is required, so licence prose that merely
// says "copyright notice" is not taken for a holder, nor the template
// "Copyright [yyyy] [name of copyright owner]".
var copyrightLine = regexp.MustCompile(`(?m)^[ \t]*Copyright[ \t]+(?:(?:\([cC]\)|©)[ \t]*(?:[0-9]{4}(?:[ \t]*[-,][ \t]*[0-9]{4})*[ \t]*,?[ \t]+)?|[0-9]{4}(?:[ \t]*[-,][ \t]*[0-9]{4})*[ \t]*,?[ \t]+)([^\[\n]+?)\.?[ \t]*(?:All rights reserved\.?)?[ \t]*$`)

// licenseOf classifies the licence files at the top of dir with
// licensecheck, the classifier pkg.go.dev uses: every licence matched
// over most of a file, joined with AND.
func licenseOf(dir string) license {
	l := license{ID: "NOASSERTION", Copyright: "NOASSERTION"}
	if dir == "" {
		return l
	}
	entries, _ := os.ReadDir(dir)
	var ids []string
	for _, e := range entries {
		n := strings.ToUpper(e.Name())
		if e.IsDir() || !(strings.HasPrefix(n, "LICENSE") || strings.HasPrefix(n, "LICENCE") || strings.HasPrefix(n, "COPYING")) {
			continue
		}
		text, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil || len(text) > 1<<20 {
			continue
		}
		cov := licensecheck.Scan(text)
		if cov.Percent < 75 {
			continue
		}
		for _, m := range cov.Match {
			if !slices.Contains(ids, m.ID) {
				ids = append(ids, m.ID)
			}
		}
		if l.Holder == "" {
			if c := copyrightLine.FindSubmatch(text); c != nil {
				l.Copyright = strings.TrimSpace(string(c[0]))
				l.Holder = strings.TrimSpace(string(c[1]))
			}
		}
	}
	if len(ids) > 0 {
		sort.Strings(ids)
		l.ID = strings.Join(ids, " AND ")
	}
	return l
}
