package schema

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

const committed = "../../../docs/qadoctor.report.v1.schema.json"

// The schema in docs/ is what the Go types say; regenerate it with
// go run ./tools/reportschema > docs/qadoctor.report.v1.schema.json.
func TestSchemaUpToDate(t *testing.T) {
	got, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(committed)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale: run go run ./tools/reportschema > docs/qadoctor.report.v1.schema.json", committed)
	}
}

func compile(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(mustRead(t, committed)))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(ID, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(ID)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Every golden report the reporters write validates, in both languages.
func TestGoldenReportsValidate(t *testing.T) {
	s := compile(t)
	files, _ := filepath.Glob("../testdata/*.json")
	if len(files) == 0 {
		t.Fatal("no golden JSON reports found")
	}
	for _, f := range files {
		v, err := jsonschema.UnmarshalJSON(strings.NewReader(mustRead(t, f)))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(v); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// The schema is not a rubber stamp: a report with a status no version
// writes, without its findings, or with a field no version has, fails.
func TestSchemaRejects(t *testing.T) {
	s := compile(t)
	var golden map[string]any
	if err := json.Unmarshal([]byte(mustRead(t, "../testdata/report.en.json")), &golden); err != nil {
		t.Fatal(err)
	}
	mutations := map[string]func(r map[string]any){
		"unknown status":      func(r map[string]any) { r["status"] = "maybe" },
		"no findings":         func(r map[string]any) { delete(r, "findings") },
		"unknown field":       func(r map[string]any) { r["verdicts"] = []any{} },
		"other schema":        func(r map[string]any) { r["schema"] = "qadoctor.report/v2" },
		"finding status":      func(r map[string]any) { r["findings"].([]any)[0].(map[string]any)["status"] = "PASS" },
		"duration not number": func(r map[string]any) { r["duration_ms"] = "fast" },
	}
	for name, mutate := range mutations {
		t.Run(name, func(t *testing.T) {
			var r map[string]any
			b, _ := json.Marshal(golden)
			json.Unmarshal(b, &r)
			mutate(r)
			b, _ = json.Marshal(r)
			v, _ := jsonschema.UnmarshalJSON(bytes.NewReader(b))
			if err := s.Validate(v); err == nil {
				t.Errorf("a report with %s validates", name)
			}
		})
	}
}
