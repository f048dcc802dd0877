package hostsfile

import (
	"os"
	"path/filepath"
)

// DefaultPath is where Windows keeps the hosts file:
// %SystemRoot%\System32\drivers\etc\hosts.
func DefaultPath() string {
	root := os.Getenv("SystemRoot")
	if root == "" {
		root = `C:\Windows`
	}
	return filepath.Join(root, "System32", "drivers", "etc", "hosts")
}
