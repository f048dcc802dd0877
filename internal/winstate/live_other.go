//go:build !windows

package winstate

// Live returns ErrNotWindows: there is no registry to read here.
func Live() (Registry, error) { return nil, ErrNotWindows }
