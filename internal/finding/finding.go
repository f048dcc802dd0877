// Package finding defines what a check concludes: a stable ID, a status,
// the evidence, the cause in plain words and the fix.
package finding

import (
	"encoding/json"
	"fmt"

	"github.com/qadoctor/qadoctor/internal/leg"
)

// Status is a check's verdict.
type Status int

// Statuses in rising order of severity.
const (
	Pass  Status = iota // the check ran and found nothing wrong
	Skip                // the check did not run (not selected, or an earlier step failed): says why
	Warn                // something is off, but it does not end sessions on its own
	Error               // the tool itself could not carry out the check
	Fail                // this breaks Quick Assist
)

var statusNames = [...]string{"pass", "skip", "warn", "error", "fail"}

func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// ParseStatus reads a status name.
func ParseStatus(name string) (Status, error) {
	for i, n := range statusNames {
		if n == name {
			return Status(i), nil
		}
	}
	return 0, fmt.Errorf("unknown status %q; want one of pass, skip, warn, error, fail", name)
}

func (s Status) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

func (s *Status) UnmarshalJSON(b []byte) error {
	var name string
	if err := json.Unmarshal(b, &name); err != nil {
		return err
	}
	v, err := ParseStatus(name)
	*s = v
	return err
}

// Worst returns the most severe of statuses, or Skip for none.
func Worst(statuses ...Status) Status {
	if len(statuses) == 0 {
		return Skip
	}
	w := statuses[0]
	for _, s := range statuses[1:] {
		w = max(w, s)
	}
	return w
}

// Finding is one check's conclusion.
type Finding struct {
	ID      string `json:"id"`      // stable: "net.dns", "tls.handshake"…
	Status  Status `json:"status"`  // pass, skip, warn, error, fail
	Title   string `json:"title"`   // what the check looks at
	Summary string `json:"summary"` // what it found, in one line
	// Reason is a stable, machine-readable code for the cause
	// ("dns-nxdomain", "tls-old-only-path"), for fleet summaries.
	Reason string `json:"reason,omitempty"`
	// Leg is the leg of a session the finding breaks (web: WebView2;
	// screen: Windows' RDP through the relay; both; none), and Step where a
	// person sees it (opens, sign-in, code, sharing, slow, none); for a
	// pass or a skip, what the check guards. The reason table
	// (internal/checks/reasons.go) decides both.
	Leg      leg.Leg    `json:"leg"`
	Step     leg.Step   `json:"step"`
	Cause    string     `json:"cause,omitempty"` // why it matters, in plain words
	Fix      []string   `json:"fix,omitempty"`   // steps a person can take, in order
	Evidence []Evidence `json:"evidence,omitempty"`
	// Record is, for a finding whose cause would have made Windows write
	// the record that ended the last session (app.last-session), that
	// record's account: the PC's own record backs this cause.
	Record string `json:"record,omitempty"`
	// Actions are the repairs `qadoctor fix` can apply for this finding,
	// in order, as argument vectors (never shell strings).
	Actions []Action `json:"actions,omitempty"`
}

// Action is one repair: what it does, the registry values it sets (which
// fix journals and undo restores), then the commands it runs.
type Action struct {
	ID       string      `json:"id"` // stable: "clock.resync"
	Title    string      `json:"title"`
	Registry []RegChange `json:"registry,omitempty"`
	Commands [][]string  `json:"commands,omitempty"` // each an argv, run in order, after Registry
	Admin    bool        `json:"admin"`              // needs an elevated prompt
	Restart  bool        `json:"restart,omitempty"`  // takes effect after Windows restarts
}

// RegChange sets one registry value (or deletes it).
type RegChange struct {
	Key    string `json:"key"`  // HKLM\… or HKCU\…
	Name   string `json:"name"` // "" is the default value
	Type   string `json:"type,omitempty"`
	Value  string `json:"value,omitempty"` // decimal for REG_DWORD, text for REG_SZ
	Delete bool   `json:"delete,omitempty"`
}

// Evidence is one observation behind a finding, usually one endpoint's.
type Evidence struct {
	Subject string `json:"subject"` // "host:port", "hosts file line 12"…
	Status  Status `json:"status"`
	Detail  string `json:"detail"`
	// Facts carries the raw observation (a DNS answer, a handshake with its
	// chain, per-step timings) for machines and for later analysis.
	Facts any `json:"facts,omitempty"`
}
