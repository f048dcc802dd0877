package main

import "testing"

func TestPackageAndModule(t *testing.T) {
	tests := []struct {
		sym, pkg, mod string
	}{
		{"golang.org/x/text/collate.mainValues", "golang.org/x/text/collate", "golang.org/x/text"},
		{"github.com/dop251/goja.(*Runtime).New", "github.com/dop251/goja", "github.com/dop251/goja"},
		{"github.com/dlclark/regexp2/v2/syntax.Parse", "github.com/dlclark/regexp2/v2/syntax", "github.com/dlclark/regexp2/v2"},
		{"type:*github.com/qadoctor/qadoctor/internal/facts.Facts", "github.com/qadoctor/qadoctor/internal/facts", "github.com/qadoctor/qadoctor"},
		{"type:.eq.net/http.Request", "net/http", "std"},
		{"sync.(*Map[github.com/a/b.K,int]).Load", "sync", "std"},
		{"slices.SortFunc[go.shape.[]string]", "slices", "std"},
		{"crypto/internal/fips140/sha3.keccakF1600.abi0", "crypto/internal/fips140/sha3", "std"},
		{"go:func.*", "(runtime metadata)", "(runtime metadata)"},
		{"runtime.pclntab", functionTables, functionTables},
		{"(.rodata, in no symbol)", "(.rodata, in no symbol)", "(.rodata, in no symbol)"},
	}
	for _, tt := range tests {
		if got := Package(tt.sym); got != tt.pkg {
			t.Errorf("Package(%q) = %q; want %q", tt.sym, got, tt.pkg)
		}
		if got := Module(tt.sym); got != tt.mod {
			t.Errorf("Module(%q) = %q; want %q", tt.sym, got, tt.mod)
		}
	}
}
