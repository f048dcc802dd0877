package report

import (
	"bytes"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/qadoctor/qadoctor/internal/i18n"
)

// luminance is a colour's relative luminance (WCAG 2.2, "relative
// luminance").
func luminance(hex string) float64 {
	c := func(i int) float64 {
		v, _ := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		s := float64(v) / 255
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*c(0) + 0.7152*c(1) + 0.0722*c(2)
}

// contrast is WCAG's contrast ratio of two colours.
func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	return (math.Max(la, lb) + 0.05) / (math.Min(la, lb) + 0.05)
}

// Every status badge and timeline label, white on its colour, and the
// timeline's text marks on the page, reach WCAG's 4.5:1 for text (1.4.3),
// computed from the page's own CSS; a failed step says so in words too
// (1.4.1, use of colour).
func TestHTMLContrastAndNotByColourAlone(t *testing.T) {
	tr := i18n.New(i18n.English)
	var b bytes.Buffer
	rep := fixtureReport(tr)
	if err := WriteHTML(&b, rep, fixture().Endpoints, tr); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	css := page[strings.Index(page, "<style>"):strings.Index(page, "</style>")]
	bg := regexp.MustCompile(`\.((?:b|s)-[A-Za-z]+)\{background:(#[0-9a-f]{6})\}`).FindAllStringSubmatch(css, -1)
	if len(bg) < 9 {
		t.Fatalf("found %d badge and label colours in the CSS; want the 5 statuses and 4 steps", len(bg))
	}
	for _, m := range bg {
		if r := contrast("#ffffff", m[2]); r < 4.5 {
			t.Errorf(".%s: white on %s is %.2f:1; want 4.5:1 or more", m[1], m[2], r)
		}
	}
	mark := regexp.MustCompile(`\.mark\{[^}]*color:(#[0-9a-f]{6})`).FindStringSubmatch(css)
	if mark == nil || contrast(mark[1], "#ffffff") < 4.5 {
		t.Errorf("the timeline marks' colour %v is missing or below 4.5:1 on white", mark)
	}
	if !strings.Contains(page, "✕ TLS failed") {
		t.Error("the timeline should say the failed TLS step in words, not by colour alone")
	}
}
