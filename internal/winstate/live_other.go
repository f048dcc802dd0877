//go:build !windows

package winstate

import "errors"

// ErrNotWindows says the live system state exists only on Windows.
var ErrNotWindows = errors.New("the live Windows registry exists only on Windows; collect a snapshot there (qadoctor collect) and analyze it here")

// Live returns ErrNotWindows: there is no registry to read here.
func Live() (Registry, error) { return nil, ErrNotWindows }
