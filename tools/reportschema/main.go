// Command reportschema writes the JSON Schema of qadoctor's report format
// to standard output:
//
//	go run ./tools/reportschema > docs/qadoctor.report.v1.schema.json
package main

import (
	"fmt"
	"os"

	"github.com/qadoctor/qadoctor/internal/report/schema"
)

func main() {
	b, err := schema.Generate()
	if err != nil {
		fmt.Fprintln(os.Stderr, "reportschema:", err)
		os.Exit(1)
	}
	os.Stdout.Write(b)
}
