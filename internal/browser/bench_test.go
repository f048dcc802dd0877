package browser

import (
	"bytes"
	"os"
	"testing"
)

func BenchmarkReadNetLogGolden(b *testing.B) {
	data, _ := os.ReadFile(golden)
	urls := goldenURLs(b, data)
	b.ReportAllocs()
	for b.Loop() {
		ReadNetLog(bytes.NewReader(data), urls)
	}
}
