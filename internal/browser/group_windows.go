package browser

import (
	"fmt"
	"os/exec"
	"unsafe"

	"golang.org/x/sys/windows"
)

// group is the browser's processes: on Windows, a job object that ends
// every process in it when it is closed. The browser is started suspended
// and resumed only once it is in the job, so every renderer and helper it
// starts is in the job too. It runs below normal priority, which its
// processes inherit: qadoctor's own probes run beside it and judge by
// their timings, which a browser starting on the same cores must not
// stretch.
type group struct{ job windows.Handle }

func startGroup(cmd *exec.Cmd) (*group, error) {
	job, err := windows.CreateJobObject(nil, nil)
	if err != nil {
		return nil, fmt.Errorf("a job object: %w", err)
	}
	info := windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION{
		BasicLimitInformation: windows.JOBOBJECT_BASIC_LIMIT_INFORMATION{LimitFlags: windows.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE},
	}
	if _, err := windows.SetInformationJobObject(job, windows.JobObjectExtendedLimitInformation,
		uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info))); err != nil {
		windows.CloseHandle(job)
		return nil, fmt.Errorf("the job object's limits: %w", err)
	}
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &windows.SysProcAttr{}
	}
	cmd.SysProcAttr.CreationFlags |= windows.CREATE_SUSPENDED | windows.BELOW_NORMAL_PRIORITY_CLASS
	if err := cmd.Start(); err != nil {
		windows.CloseHandle(job)
		return nil, err
	}
	h, err := windows.OpenProcess(windows.PROCESS_SET_QUOTA|windows.PROCESS_TERMINATE|windows.PROCESS_SUSPEND_RESUME, false, uint32(cmd.Process.Pid))
	if err == nil {
		err = windows.AssignProcessToJobObject(job, h)
		if err == nil {
			err = resume(h)
		}
		windows.CloseHandle(h)
	}
	if err != nil {
		cmd.Process.Kill() // still suspended, outside any job: ended here
		cmd.Wait()
		windows.CloseHandle(job)
		return nil, fmt.Errorf("putting the browser in its job object: %w", err)
	}
	return &group{job: job}, nil
}

var procNtResumeProcess = windows.NewLazySystemDLL("ntdll.dll").NewProc("NtResumeProcess")

// resume lets a process started suspended run (NtResumeProcess: Go's
// os/exec keeps no handle to the main thread for ResumeThread).
func resume(h windows.Handle) error {
	if err := procNtResumeProcess.Find(); err != nil {
		return err
	}
	if st, _, _ := procNtResumeProcess.Call(uintptr(h)); st != 0 {
		return fmt.Errorf("NtResumeProcess: %w", windows.NTStatus(st))
	}
	return nil
}

// end ends every process of the job, then closes it.
func (g *group) end() {
	windows.TerminateJobObject(g.job, 1)
	windows.CloseHandle(g.job)
}

// noSandbox: Edge runs its sandbox on Windows. What it gets instead is
// --do-not-de-elevate: an elevated Chromium relaunches itself
// unelevated (its AutoDeElevate, Chromium change 6515318) and the
// process we started exits, which would leave the browser outside its
// job object and this run.
func noSandbox() []string { return []string{"--do-not-de-elevate"} }
