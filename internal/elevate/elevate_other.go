//go:build !windows

package elevate

import "os"

func isElevated() bool { return os.Geteuid() == 0 }

func isSystem() bool { return false }
