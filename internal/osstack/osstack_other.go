//go:build !windows

package osstack

import (
	"context"

	"github.com/qadoctor/qadoctor/internal/facts"
)

func request(_ context.Context, url string) facts.OSStack {
	return facts.OSStack{State: facts.OSStackNotWindows, URL: url}
}
