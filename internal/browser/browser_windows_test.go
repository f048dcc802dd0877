package browser

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"

	"github.com/qadoctor/qadoctor/internal/testpeer"
)

// TestMain lets the test binary stand in for a browser and its helper
// process (TestGroupEndsEveryProcess).
func TestMain(m *testing.M) {
	switch os.Getenv("QADOCTOR_FAKE_BROWSER") {
	case "browser":
		child := exec.Command(os.Args[0])
		child.Env = append(os.Environ(), "QADOCTOR_FAKE_BROWSER=helper")
		if err := child.Start(); err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Println(child.Process.Pid)
		time.Sleep(time.Minute)
		os.Exit(0)
	case "helper":
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

var isProcessInJob = windows.NewLazySystemDLL("kernel32.dll").NewProc("IsProcessInJob")

// The browser's job object ends the browser and the process it started
// after it, by id, as the job is closed.
func TestGroupEndsEveryProcess(t *testing.T) {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "QADOCTOR_FAKE_BROWSER=browser")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	g, err := startGroup(cmd)
	if err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		g.end()
		t.Fatalf("the fake browser said nothing: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		g.end()
		t.Fatalf("the fake browser said %q", line)
	}
	helper, err := windows.OpenProcess(windows.SYNCHRONIZE|windows.PROCESS_QUERY_INFORMATION, false, uint32(pid))
	if err != nil {
		g.end()
		t.Fatalf("the helper %d: %v", pid, err)
	}
	defer windows.CloseHandle(helper)
	var inJob int32
	if r, _, err := isProcessInJob.Call(uintptr(helper), uintptr(g.job), uintptr(unsafe.Pointer(&inJob))); r == 0 || inJob == 0 {
		t.Errorf("the helper is not in the browser's job (%v)", err)
	}
	g.end()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the browser process outlived its job")
	}
	if ev, _ := windows.WaitForSingleObject(helper, 30_000); ev != windows.WAIT_OBJECT_0 {
		t.Errorf("the helper process outlived the job (wait: %#x)", ev)
	}
}

// Edge's HeadlessModeEnabled policy, written where Group Policy writes it
// (in Wine's registry: real Windows keeps its policies), switches the
// browser check off; 1 or no value leaves it on.
func TestHeadlessPolicyUnderWine(t *testing.T) {
	if os.Getenv("QADOCTOR_WINE") == "" {
		t.Skip("writes HKCU policy keys: only under Wine (scripts/wine/exec)")
	}
	k, _, err := registry.CreateKey(registry.CURRENT_USER, policyKey, registry.ALL_ACCESS)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	defer registry.DeleteKey(registry.CURRENT_USER, policyKey)
	if blocked, _ := HeadlessBlocked(); blocked {
		t.Error("blocked with no value")
	}
	k.SetDWordValue(policyValue, 1)
	if blocked, _ := HeadlessBlocked(); blocked {
		t.Error("blocked with the policy at 1")
	}
	k.SetDWordValue(policyValue, 0)
	blocked, where := HeadlessBlocked()
	if !blocked || where != `HKCU\SOFTWARE\Policies\Microsoft\Edge\HeadlessModeEnabled` {
		t.Errorf("HeadlessBlocked() = %v, %q with the policy at 0", blocked, where)
	}
}

// Find with this machine's own file system and globbing, the folders
// named by the variables: Edge where it installs, else the newest
// WebView2 runtime.
func TestFindOnThisFileSystem(t *testing.T) {
	root := testpeer.TempDir(t)
	touch := func(rel string) string {
		p := filepath.Join(root, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte("MZ"), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	touch(`Microsoft\EdgeWebView\Application\99.0.1150.55\msedgewebview2.exe`)
	newest := touch(`Microsoft\EdgeWebView\Application\120.0.2210.91\msedgewebview2.exe`)
	f := Finder{Getenv: func(k string) string {
		if k == "ProgramFiles(x86)" {
			return root
		}
		return ""
	}, Elevated: func() bool { return false }}
	if p, kind := f.Find(); !strings.EqualFold(p, newest) || kind != "webview2" {
		t.Errorf("Find() = %q, %q; want %q, webview2", p, kind, newest)
	}
	edge := touch(`Microsoft\Edge\Application\msedge.exe`)
	if p, kind := f.Find(); !strings.EqualFold(p, edge) || kind != "edge" {
		t.Errorf("Find() = %q, %q; want %q, edge", p, kind, edge)
	}
}

// The browser's folder is the user's alone, whatever its parent allows:
// a protected DACL for this user and SYSTEM.
func TestPrivateFolder(t *testing.T) {
	dir, err := private(testpeer.TempDir(t))
	if err != nil {
		t.Fatal(err)
	}
	sd, err := windows.GetNamedSecurityInfo(dir, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := windows.GetCurrentProcessToken().GetTokenUser()
	// Every entry is this user's or SYSTEM's, and there is one for
	// the user. (Wine does not report the protected flag, D:P.)
	got := sd.String()
	aces := strings.Split(strings.TrimPrefix(strings.TrimPrefix(got, "D:"), "P"), ")(")
	mine := false
	for _, ace := range aces {
		who := strings.TrimSuffix(ace[strings.LastIndex(ace, ";")+1:], ")")
		switch who {
		case u.User.Sid.String():
			mine = true
		case "SY":
		default:
			t.Errorf("the folder's DACL %s grants %s", got, who)
		}
	}
	if !mine {
		t.Errorf("the folder's DACL %s has no entry for this user", got)
	}
}
