package netif

import (
	"bufio"
	"os"
	"strings"

	"github.com/qadoctor/qadoctor/internal/facts"
)

func describe(*facts.Network) {}

// defaultRoute reads the kernel's IPv4 routing table: the interface of the
// route to 0.0.0.0/0 with the lowest metric.
func defaultRoute() string {
	f, err := os.Open("/proc/net/route")
	if err != nil {
		return ""
	}
	defer f.Close()
	best, bestMetric := "", int(^uint(0)>>1)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 8 || fields[1] != "00000000" || fields[7] != "00000000" {
			continue
		}
		metric := 0
		for _, c := range fields[6] {
			metric = metric*10 + int(c-'0')
		}
		if metric < bestMetric {
			best, bestMetric = fields[0], metric
		}
	}
	return best
}
