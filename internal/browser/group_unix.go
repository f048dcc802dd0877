//go:build !windows

package browser

import (
	"os"
	"os/exec"
	"syscall"
)

// group is the browser's processes: on Unix, a process group of its own,
// so its renderers and helpers end with it.
type group struct{ pgid int }

func startGroup(cmd *exec.Cmd) (*group, error) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &group{pgid: cmd.Process.Pid}, nil
}

// end kills every process of the group, by its id.
func (g *group) end() { syscall.Kill(-g.pgid, syscall.SIGKILL) }

// noSandbox: Chromium refuses to start its sandbox as root.
func noSandbox() []string {
	if os.Geteuid() == 0 {
		return []string{"--no-sandbox"}
	}
	return nil
}
