// Command winres writes the Windows resources of qadoctor.exe - version
// information and the application manifest - as .syso files the Go linker
// picks up (github.com/tc-hib/winres: pure Go, no rc.exe or windres).
//
//	go run ./tools/winres -version 1.2.3 -out cmd/qadoctor
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/tc-hib/winres"
	"github.com/tc-hib/winres/version"
)

// manifest: run as the invoking user (asInvoker: never a UAC prompt just to
// start), the UTF-8 active code page (so Japanese paths and output work in
// the classic console), long paths, and Windows 10/11 as the supported OS.
const manifest = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<assembly xmlns="urn:schemas-microsoft-com:asm.v1" manifestVersion="1.0">
  <assemblyIdentity type="win32" name="qadoctor" version="%s"/>
  <description>qadoctor: why Quick Assist ends with "does not meet minimum security requirements"</description>
  <trustInfo xmlns="urn:schemas-microsoft-com:asm.v3">
    <security><requestedPrivileges><requestedExecutionLevel level="asInvoker" uiAccess="false"/></requestedPrivileges></security>
  </trustInfo>
  <compatibility xmlns="urn:schemas-microsoft-com:compatibility.v1">
    <application><supportedOS Id="{8e0f7a12-bfb3-4fe8-b9a5-48fd50a15a9a}"/></application>
  </compatibility>
  <application xmlns="urn:schemas-microsoft-com:asm.v3">
    <windowsSettings>
      <activeCodePage xmlns="http://schemas.microsoft.com/SMI/2019/WindowsSettings">UTF-8</activeCodePage>
      <longPathAware xmlns="http://schemas.microsoft.com/SMI/2016/WindowsSettings">true</longPathAware>
    </windowsSettings>
  </application>
</assembly>
`

func main() {
	ver := flag.String("version", "0.0.0", "the version, such as 1.2.3")
	out := flag.String("out", "cmd/qadoctor", "the folder of the main package")
	read := flag.String("read", "", "print the file version of this `EXE` instead, as Explorer and Intune's detection rules read it")
	flag.Parse()
	if *read != "" {
		v, err := readVersion(*read)
		if err != nil {
			fmt.Fprintln(os.Stderr, "winres:", err)
			os.Exit(1)
		}
		fmt.Println(v)
		return
	}
	if err := run(*ver, *out); err != nil {
		fmt.Fprintln(os.Stderr, "winres:", err)
		os.Exit(1)
	}
}

// numeric keeps the dotted numeric part of a version ("1.2.3-rc1" and
// git describe's "1.2.3-4-gabc1234" → "1.2.3"); a bare commit hash is no
// version.
var numeric = regexp.MustCompile(`^\d+(\.\d+){0,3}`)

var versionShape = regexp.MustCompile(`^\d+(\.\d+)*([-+].*)?$`)

// fileVersion is the four-part number Windows shows for a version or a
// tag: "v1.2.3" and "1.2.3-rc1" are 1.2.3.0; what has no number is
// 0.0.0.0. A tag's "v" is not part of the number: kept, Explorer and
// Intune's file-version detection rule would read 0.0.0.0.
func fileVersion(ver string) string {
	ver = strings.TrimPrefix(strings.TrimPrefix(ver, "v"), "V")
	num := ""
	if versionShape.MatchString(ver) {
		num = numeric.FindString(ver)
	}
	if num == "" {
		num = "0"
	}
	for strings.Count(num, ".") < 3 {
		num += ".0"
	}
	return num
}

func run(ver, out string) error {
	four := fileVersion(ver)
	ver = strings.TrimPrefix(strings.TrimPrefix(ver, "v"), "V")
	var vi version.Info
	vi.SetFileVersion(four)
	vi.SetProductVersion(four)
	for k, v := range map[string]string{
		version.ProductName:      "qadoctor",
		version.FileDescription:  "qadoctor: Quick Assist secure-channel diagnosis",
		version.CompanyName:      "qadoctor",
		version.LegalCopyright:   "qadoctor authors",
		version.OriginalFilename: "qadoctor.exe",
		version.InternalName:     "qadoctor",
		version.ProductVersion:   ver,
		version.FileVersion:      ver,
	} {
		if err := vi.Set(0x0409, k, v); err != nil {
			return err
		}
	}
	rs := &winres.ResourceSet{}
	rs.SetVersionInfo(vi)
	if err := rs.Set(winres.RT_MANIFEST, winres.ID(1), winres.LCIDDefault, []byte(fmt.Sprintf(manifest, four))); err != nil {
		return err
	}
	for arch, name := range map[winres.Arch]string{winres.ArchAMD64: "amd64", winres.ArchARM64: "arm64"} {
		f, err := os.Create(filepath.Join(out, "rsrc_windows_"+name+".syso"))
		if err != nil {
			return err
		}
		if err := rs.WriteObject(f, arch); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	return nil
}

// readVersion is the FileVersion of an .exe's version resource.
func readVersion(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	rs, err := winres.LoadFromEXESingleType(f, winres.RT_VERSION)
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	var data []byte
	rs.WalkType(winres.RT_VERSION, func(_ winres.Identifier, _ uint16, d []byte) bool {
		data = d
		return false
	})
	if data == nil {
		return "", fmt.Errorf("%s has no version resource", path)
	}
	vi, err := version.FromBytes(data)
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	v := vi.FileVersion
	return fmt.Sprintf("%d.%d.%d.%d", v[0], v[1], v[2], v[3]), nil
}
