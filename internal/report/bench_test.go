package report

import (
	"io"
	"testing"

	"github.com/qadoctor/qadoctor/internal/i18n"
)

// BenchmarkJudgeAndWriteText: judging and writing the text report in each
// language, to see what the catalog lookups cost next to English.
func BenchmarkJudgeAndWriteText(b *testing.B) {
	for _, l := range i18n.Langs {
		b.Run(string(l), func(b *testing.B) {
			tr := i18n.New(l)
			b.ReportAllocs()
			for b.Loop() {
				if err := WriteText(io.Discard, fixtureReport(tr), TextOptions{Tr: tr}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
