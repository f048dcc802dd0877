//go:build !windows

package winstate

func liveWriter() (Writer, error) { return nil, ErrNotWindows }
