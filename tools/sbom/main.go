// Command sbom writes an SPDX 2.3 software bill of materials (JSON) for
// built Go binaries, from the module list the Go toolchain embeds in each
// (debug/buildinfo): exactly what was linked, nothing guessed. Each module
// gets its version, its declared licence as pkg.go.dev classifies it
// (google/licensecheck over the module's LICENSE files, found with
// `go mod download -json`), and its supplier from the licence's copyright
// line; NOASSERTION where a file says nothing.
//
//	go run ./tools/sbom -o dist/qadoctor.spdx.json dist/qadoctor-*
package main

import (
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
)

type pkg struct {
	SPDXID           string `json:"SPDXID"`
	Name             string `json:"name"`
	VersionInfo      string `json:"versionInfo,omitempty"`
	Supplier         string `json:"supplier,omitempty"`
	DownloadLocation string `json:"downloadLocation"`
	LicenseDeclared  string `json:"licenseDeclared,omitempty"`
	LicenseConcluded string `json:"licenseConcluded,omitempty"`
	CopyrightText    string `json:"copyrightText,omitempty"`
	Checksums        []struct {
		Algorithm string `json:"algorithm"`
		Value     string `json:"checksumValue"`
	} `json:"checksums,omitempty"`
	ExternalRefs []ref `json:"externalRefs,omitempty"`
}

type ref struct {
	Category string `json:"referenceCategory"`
	Type     string `json:"referenceType"`
	Locator  string `json:"referenceLocator"`
}

type relationship struct {
	Element string `json:"spdxElementId"`
	Type    string `json:"relationshipType"`
	Related string `json:"relatedSpdxElement"`
}

func id(s string) string {
	return "SPDXRef-" + strings.NewReplacer("/", "-", "@", "-", "_", "-", "+", "-").Replace(s)
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
	doc := map[string]any{
		"spdxVersion":       "SPDX-2.3",
		"dataLicense":       "CC0-1.0",
		"SPDXID":            "SPDXRef-DOCUMENT",
		"name":              "qadoctor",
		"documentNamespace": "https://qadoctor.invalid/spdx/" + ts.Format("20060102T150405Z"),
		"creationInfo":      map[string]any{"created": ts.Format(time.RFC3339), "creators": []string{"Tool: qadoctor tools/sbom"}},
	}
	var pkgs []pkg
	var rels []relationship
	seen := map[string]bool{}
	for _, bin := range flag.Args() {
		bi, err := buildinfo.ReadFile(bin)
		if err != nil {
			fmt.Fprintf(os.Stderr, "sbom: %s: %v\n", bin, err)
			os.Exit(1)
		}
		data, _ := os.ReadFile(bin)
		sum := sha256.Sum256(data)
		v := bi.Main.Version
		if *version != "" {
			v = *version
		}
		b := pkg{SPDXID: id(filepath.Base(bin)), Name: filepath.Base(bin), VersionInfo: v, DownloadLocation: "NOASSERTION",
			Supplier: "Organization: qadoctor", LicenseDeclared: "NOASSERTION", LicenseConcluded: "NOASSERTION", CopyrightText: "NOASSERTION"}
		b.Checksums = append(b.Checksums, struct {
			Algorithm string `json:"algorithm"`
			Value     string `json:"checksumValue"`
		}{"SHA256", hex.EncodeToString(sum[:])})
		pkgs = append(pkgs, b)
		rels = append(rels, relationship{"SPDXRef-DOCUMENT", "DESCRIBES", b.SPDXID})
		goID := id("go-" + bi.GoVersion)
		if !seen[goID] {
			seen[goID] = true
			g := pkg{SPDXID: goID, Name: "go", VersionInfo: strings.TrimPrefix(bi.GoVersion, "go"), DownloadLocation: "https://go.dev/dl/"}
			g.setLicense(licenseOf(goroot()))
			pkgs = append(pkgs, g)
		}
		rels = append(rels, relationship{b.SPDXID, "DEPENDS_ON", goID})
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
				p := pkg{SPDXID: pid, Name: m.Path, VersionInfo: m.Version, DownloadLocation: "NOASSERTION",
					ExternalRefs: []ref{{"PACKAGE-MANAGER", "purl", "pkg:golang/" + m.Path + "@" + m.Version}}}
				dir, err := moduleDir(m.Path, m.Version)
				if err != nil {
					fmt.Fprintf(os.Stderr, "sbom: %s@%s: %v\n", m.Path, m.Version, err)
					os.Exit(1)
				}
				p.setLicense(licenseOf(dir))
				pkgs = append(pkgs, p)
			}
			rels = append(rels, relationship{b.SPDXID, "DEPENDS_ON", pid})
		}
	}
	doc["packages"], doc["relationships"] = pkgs, rels
	data, _ := json.MarshalIndent(doc, "", "  ")
	if err := os.WriteFile(*out, append(data, '\n'), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "sbom:", err)
		os.Exit(1)
	}
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

func (p *pkg) setLicense(l license) {
	p.LicenseDeclared, p.LicenseConcluded, p.CopyrightText = l.ID, "NOASSERTION", l.Copyright
	p.Supplier = "NOASSERTION"
	if l.Holder != "" {
		p.Supplier = "Organization: " + l.Holder
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
