//go:build !windows

package osstack

import (
	"context"
	"testing"

	"github.com/qadoctor/qadoctor/internal/facts"
)

func TestRequestOffWindows(t *testing.T) {
	r := Request(context.Background(), "https://example.test/")
	if r.State != facts.OSStackNotWindows || r.URL != "https://example.test/" {
		t.Errorf("Request off Windows = %+v; want not-windows", r)
	}
}
