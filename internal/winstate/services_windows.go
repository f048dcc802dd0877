package winstate

import (
	"errors"

	"golang.org/x/sys/windows"

	"github.com/qadoctor/qadoctor/internal/facts"
)

// serviceState asks the service manager for a service's state. It needs no
// admin rights: SC_MANAGER_CONNECT and SERVICE_QUERY_STATUS are granted to
// every user.
func serviceState(name string) facts.ServiceFact {
	sf := facts.ServiceFact{Name: name, State: "unknown"}
	scm, err := windows.OpenSCManager(nil, nil, windows.SC_MANAGER_CONNECT)
	if err != nil {
		sf.Error = "open the service manager: " + err.Error()
		return sf
	}
	defer windows.CloseServiceHandle(scm)
	n, _ := windows.UTF16PtrFromString(name)
	h, err := windows.OpenService(scm, n, windows.SERVICE_QUERY_STATUS)
	if errors.Is(err, windows.ERROR_SERVICE_DOES_NOT_EXIST) {
		sf.State = "not-installed"
		return sf
	}
	if err != nil {
		sf.Error = "open the service: " + err.Error()
		return sf
	}
	defer windows.CloseServiceHandle(h)
	var st windows.SERVICE_STATUS
	if err := windows.QueryServiceStatus(h, &st); err != nil {
		sf.Error = "query the service: " + err.Error()
		return sf
	}
	sf.State = map[uint32]string{
		windows.SERVICE_STOPPED:          "stopped",
		windows.SERVICE_START_PENDING:    "start-pending",
		windows.SERVICE_STOP_PENDING:     "stop-pending",
		windows.SERVICE_RUNNING:          "running",
		windows.SERVICE_CONTINUE_PENDING: "continue-pending",
		windows.SERVICE_PAUSE_PENDING:    "pause-pending",
		windows.SERVICE_PAUSED:           "paused",
	}[st.CurrentState]
	return sf
}
