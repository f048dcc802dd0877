// Package schema generates the JSON Schema of the report format
// (report.Schema, "qadoctor.report/v1") from its Go types, with
// github.com/invopop/jsonschema: the types are the truth, and the schema
// in docs/ is regenerated from them (go run ./tools/reportschema), never
// written by hand. A test keeps the two equal and validates the golden
// reports against it.
//
// The package is for tools and tests; the qadoctor binary does not link it.
package schema

import (
	"encoding/json"
	"reflect"

	"github.com/invopop/jsonschema"

	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/leg"
	"github.com/qadoctor/qadoctor/internal/report"
)

// ID is the schema's $id.
const ID = "https://github.com/qadoctor/qadoctor/docs/qadoctor.report.v1.schema.json"

// Generate returns the schema of report.Report as indented JSON.
func Generate() ([]byte, error) {
	r := &jsonschema.Reflector{
		// Fields without omitempty are required, as encoding/json always
		// writes them.
		RequiredFromJSONSchemaTags: false,
		DoNotReference:             false,
		Mapper: func(t reflect.Type) *jsonschema.Schema {
			switch t {
			case reflect.TypeOf(finding.Status(0)):
				return &jsonschema.Schema{Type: "string", Enum: []any{"pass", "skip", "warn", "error", "fail"},
					Description: "pass, skip, warn, error, fail, in rising severity"}
			case reflect.TypeOf(leg.Leg("")):
				var e []any
				for _, l := range leg.Legs {
					e = append(e, string(l))
				}
				return &jsonschema.Schema{Type: "string", Enum: e,
					Description: "the leg of a session a finding breaks: web (WebView2), screen (Windows' RDP through the RDP relay), both, none (docs/reasons.md)"}
			case reflect.TypeOf(leg.Step("")):
				var e []any
				for _, st := range leg.Steps {
					e = append(e, string(st))
				}
				e = append(e, string(leg.NoStep))
				return &jsonschema.Schema{Type: "string", Enum: e,
					Description: "where in a session a person sees it: opens, sign-in, code, sharing, slow, in session order; none (docs/reasons.md)"}
			}
			return nil
		},
	}
	s := r.Reflect(&report.Report{})
	s.ID = ID
	s.Title = report.Schema
	s.Description = "A qadoctor report: what diagnose or analyze found (docs/reasons.md lists the reason codes)."
	// The schema string itself is fixed for this version.
	if def, ok := s.Definitions["Report"]; ok {
		if p, ok := def.Properties.Get("schema"); ok {
			p.Const = report.Schema
		}
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
