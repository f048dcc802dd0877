//go:build !windows

package browser

import (
	"os"
	"os/exec"
	"syscall"
)

// group is the browser's processes: on Unix, a process group of its own,
// so its renderers and helpers end with it. The group runs at a lower
// priority (nice 10): qadoctor's own probes run beside it and judge by
// their timings, which a browser starting on the same cores must not
// stretch.
type group struct{ pgid int }

func startGroup(cmd *exec.Cmd) (*group, error) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	syscall.Setpriority(syscall.PRIO_PGRP, cmd.Process.Pid, lowerPriority)
	return &group{pgid: cmd.Process.Pid}, nil
}

// lowerPriority is the browser's nice value; its processes inherit it.
const lowerPriority = 10

// end kills every process of the group, by its id.
func (g *group) end() { syscall.Kill(-g.pgid, syscall.SIGKILL) }

// noSandbox: Chromium refuses to start its sandbox as root.
func noSandbox() []string {
	if os.Geteuid() == 0 {
		return []string{"--no-sandbox"}
	}
	return nil
}
