// Command wingetcheck validates a winget multi-file manifest (version,
// installer and default-locale files of one package version) against
// Microsoft's manifest schemas for the ManifestVersion each file declares,
// with santhosh-tekuri/jsonschema, and checks what the schemas cannot: the
// three files agree on the package and version, and each installer's
// SHA-256 is that of the file it names.
//
// The schemas are winget-cli's schemas/JSON/manifests/v1.*.0, kept outside
// the project in ../shared/samples/winget (its SOURCE names the commit, its
// LICENSE the terms); -schemas or $QADOCTOR_SAMPLES points elsewhere.
//
//	go run ./tools/wingetcheck -dist dist dist/winget/manifests/q/qadoctor/qadoctor/1.2.3
//
// winget-pkgs' own validation (winget validate) runs only on Windows; this
// is the schema half of it, runnable in CI.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/qadoctor/qadoctor/internal/testpeer"
)

func main() {
	dist := flag.String("dist", "", "the folder holding the files the installers name (their SHA-256 is checked)")
	dir := flag.String("schemas", "", "the folder holding winget-cli's v1.*.0 schema folders (default: ../shared/samples/winget beside the repository)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: wingetcheck [-dist DIR] [-schemas DIR] MANIFEST-DIR")
		os.Exit(2)
	}
	if *dir == "" {
		d, err := defaultSchemas()
		if err != nil {
			fmt.Fprintln(os.Stderr, "wingetcheck:", err)
			os.Exit(2)
		}
		*dir = d
	}
	if err := check(flag.Arg(0), *dist, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "wingetcheck:", err)
		os.Exit(1)
	}
	fmt.Println("winget manifests valid against Microsoft's schemas in", *dir+":", flag.Arg(0))
}

// defaultSchemas finds Microsoft's schemas in the samples folder beside the
// repository (testpeer.SamplesDir: $QADOCTOR_SAMPLES, else ../shared/samples
// beside the module root). A missing folder is an error that says where it
// looked and how to point elsewhere.
func defaultSchemas() (string, error) {
	samples, err := testpeer.SamplesDir()
	if err != nil {
		return "", fmt.Errorf("%w: pass -schemas DIR (winget-cli's schemas/JSON/manifests)", err)
	}
	dir := filepath.Join(samples, "winget")
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return "", fmt.Errorf("Microsoft's winget schemas are not at %s: put winget-cli's schemas/JSON/manifests/v1.*.0 folders there (../shared/samples/winget beside the repository), or pass -schemas DIR or set %s", dir, testpeer.SamplesEnv)
	}
	return dir, nil
}

// A manifest's type and version name a schema file: only plain words and
// dotted numbers, so a manifest cannot name a file outside the schemas.
var (
	manifestWord    = regexp.MustCompile(`^[A-Za-z]{1,32}$`)
	manifestVersion = regexp.MustCompile(`^[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$`)
)

// manifest is one file, decoded.
type manifest struct {
	file string
	doc  map[string]any
}

func (m manifest) str(k string) string { s, _ := m.doc[k].(string); return s }

// check validates every *.yaml file in dir and the set as a whole.
func check(dir, dist, schemas string) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		return fmt.Errorf("%s: no .yaml manifests", dir)
	}
	sort.Strings(files)
	byType := map[string]manifest{}
	var errs []error
	for _, f := range files {
		m, err := load(f)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		t := m.str("ManifestType")
		if _, dup := byType[t]; dup {
			errs = append(errs, fmt.Errorf("%s: a second %s manifest", f, t))
		}
		byType[t] = m
		if err := validate(m, schemas); err != nil {
			errs = append(errs, err)
		}
	}
	for _, t := range []string{"version", "installer", "defaultLocale"} {
		if _, ok := byType[t]; !ok {
			errs = append(errs, fmt.Errorf("%s: no %s manifest (winget-pkgs wants version, installer and defaultLocale files)", dir, t))
		}
	}
	v := byType["version"]
	for t, m := range byType {
		for _, k := range []string{"PackageIdentifier", "PackageVersion"} {
			if m.str(k) != v.str(k) {
				errs = append(errs, fmt.Errorf("%s: %s %q; the version manifest says %q", m.file, k, m.str(k), v.str(k)))
			}
		}
		if t == "defaultLocale" && m.str("PackageLocale") != v.str("DefaultLocale") {
			errs = append(errs, fmt.Errorf("%s: PackageLocale %q; the version manifest's DefaultLocale is %q", m.file, m.str("PackageLocale"), v.str("DefaultLocale")))
		}
	}
	if want := v.str("PackageIdentifier") + ".yaml"; v.file != "" && filepath.Base(v.file) != want {
		errs = append(errs, fmt.Errorf("%s: the version manifest is named %s in winget-pkgs", v.file, want))
	}
	if dist != "" {
		if in, ok := byType["installer"]; ok {
			errs = append(errs, checkSums(in, dist)...)
		}
	}
	return errors.Join(errs...)
}

func load(file string) (manifest, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return manifest{}, err
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return manifest{}, fmt.Errorf("%s: not YAML: %w", file, err)
	}
	return manifest{file: file, doc: doc}, nil
}

// validate checks a manifest against Microsoft's schema of its type and
// version (schemas/v<version>/manifest.<type>.<version>.json).
func validate(m manifest, schemas string) error {
	t, v := m.str("ManifestType"), m.str("ManifestVersion")
	if !manifestWord.MatchString(t) || !manifestVersion.MatchString(v) {
		return fmt.Errorf("%s: ManifestType %q, ManifestVersion %q: want a type such as installer and a version such as 1.10.0", m.file, t, v)
	}
	name := filepath.Join(schemas, "v"+v, fmt.Sprintf("manifest.%s.%s.json", t, v))
	raw, err := os.ReadFile(name)
	if err != nil {
		return fmt.Errorf("%s: ManifestType %q, ManifestVersion %q: no such schema in %s", m.file, t, v, schemas)
	}
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(string(raw)))
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(name, doc); err != nil {
		return err
	}
	s, err := c.Compile(name)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	// YAML decodes to map[string]any; the validator wants JSON's types.
	b, err := json.Marshal(m.doc)
	if err != nil {
		return fmt.Errorf("%s: %w", m.file, err)
	}
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(string(b)))
	if err != nil {
		return err
	}
	if err := s.Validate(inst); err != nil {
		return fmt.Errorf("%s: %v", m.file, err)
	}
	return nil
}

// checkSums compares each installer's InstallerSha256 with the file its
// URL names in dist.
func checkSums(in manifest, dist string) []error {
	var errs []error
	list, _ := in.doc["Installers"].([]any)
	for i, x := range list {
		inst, _ := x.(map[string]any)
		url, _ := inst["InstallerUrl"].(string)
		want, _ := inst["InstallerSha256"].(string)
		b, err := os.ReadFile(filepath.Join(dist, path.Base(url)))
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: Installers[%d]: %v", in.file, i, err))
			continue
		}
		sum := sha256.Sum256(b)
		if got := strings.ToUpper(hex.EncodeToString(sum[:])); got != strings.ToUpper(want) {
			errs = append(errs, fmt.Errorf("%s: Installers[%d]: InstallerSha256 %s; %s has %s", in.file, i, want, path.Base(url), got))
		}
	}
	return errs
}
