//go:build !windows

package browser

// HeadlessBlocked: Edge's policies live in the Windows registry; nothing
// blocks headless mode here.
func HeadlessBlocked() (blocked bool, where string) { return false, "" }
