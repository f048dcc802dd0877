// Package fix turns failing findings into a plan of repairs, applies it
// with a write-ahead journal, and undoes it. Every registry value is
// recorded before it changes (absent ones too), durably, so `undo` restores
// exactly, even after a run that died halfway, and is safe to run twice.
package fix

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"

	"github.com/qadoctor/qadoctor/internal/finding"
	"github.com/qadoctor/qadoctor/internal/winstate"
)

// Runner runs one command given as an argument vector (never a shell
// string) and returns its combined output.
type Runner interface {
	Run(ctx context.Context, argv []string) ([]byte, error)
}

// Step states in the journal.
const (
	StatePending  = "pending"  // recorded, not started
	StateApplying = "applying" // the prior state is on disk; the change may or may not have happened
	StateApplied  = "applied"
	StateUndone   = "undone"
	StateFailed   = "failed"
)

// RegValueState is a registry value at one moment: absent, or its exact
// type and bytes.
type RegValueState struct {
	Exists bool   `json:"exists"`
	Type   string `json:"type,omitempty"`
	Data   string `json:"data,omitempty"` // hex of the raw bytes
}

// RegStep is one registry change: what was there before, what is set.
type RegStep struct {
	Key  string `json:"key"`
	Name string `json:"name"`
	// Created lists the keys this change creates, deepest first: undo
	// removes them again, once empty.
	Created []string      `json:"created,omitempty"`
	Prior   RegValueState `json:"prior"`
	New     RegValueState `json:"new"`
	State   string        `json:"state"`
	Error   string        `json:"error,omitempty"`
}

// CommandStep is one command an action runs. Commands are not undone:
// they only tell Windows to act on settings (resync, start a service) or
// install an app, and say so in the plan.
type CommandStep struct {
	Argv   []string `json:"argv"`
	State  string   `json:"state"`
	Output string   `json:"output,omitempty"`
	Error  string   `json:"error,omitempty"`
}

// PlannedAction is one finding's repair, with its steps.
type PlannedAction struct {
	Finding  string        `json:"finding"`
	Action   string        `json:"action"`
	Title    string        `json:"title"`
	Admin    bool          `json:"admin"`
	Restart  bool          `json:"restart,omitempty"`
	Registry []RegStep     `json:"registry,omitempty"`
	Commands []CommandStep `json:"commands,omitempty"`
}

// Plan lists the repairs for the findings that failed or warned, in
// report order, reading each registry value's current state from reg.
// only, when not empty, keeps the findings with those IDs. An action
// offered by several findings is planned once.
func Plan(fs []finding.Finding, only []string, reg winstate.Writer) ([]PlannedAction, error) {
	keep := func(id string) bool {
		if len(only) == 0 {
			return true
		}
		for _, o := range only {
			if o == id {
				return true
			}
		}
		return false
	}
	seen := map[string]bool{}
	var plan []PlannedAction
	for _, f := range fs {
		if (f.Status != finding.Fail && f.Status != finding.Warn) || !keep(f.ID) {
			continue
		}
		for _, a := range f.Actions {
			if seen[a.ID] {
				continue
			}
			seen[a.ID] = true
			pa := PlannedAction{Finding: f.ID, Action: a.ID, Title: a.Title, Admin: a.Admin, Restart: a.Restart}
			for _, c := range a.Registry {
				if reg == nil {
					return nil, fmt.Errorf("%s changes the Windows registry: run qadoctor fix on the Windows PC", a.ID)
				}
				step, err := planRegistry(c, reg)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", a.ID, err)
				}
				pa.Registry = append(pa.Registry, step)
			}
			for _, argv := range a.Commands {
				pa.Commands = append(pa.Commands, CommandStep{Argv: argv, State: StatePending})
			}
			plan = append(plan, pa)
		}
	}
	return plan, nil
}

func planRegistry(c finding.RegChange, reg winstate.Writer) (RegStep, error) {
	step := RegStep{Key: c.Key, Name: c.Name, State: StatePending}
	prior, err := readState(reg, c.Key, c.Name)
	if err != nil {
		return step, err
	}
	step.Prior = prior
	if step.Created, err = missingKeys(reg, c.Key); err != nil {
		return step, err
	}
	if !c.Delete {
		v, err := encode(c)
		if err != nil {
			return step, err
		}
		step.New = stateOf(v)
	}
	return step, nil
}

// readState reads a value's current state for the journal.
func readState(reg winstate.Registry, key, name string) (RegValueState, error) {
	v, err := reg.Value(key, name)
	switch {
	case errors.Is(err, winstate.ErrNotExist):
		return RegValueState{}, nil
	case err != nil:
		return RegValueState{}, fmt.Errorf("read %s\\%s: %w", key, name, err)
	}
	return stateOf(v), nil
}

func stateOf(v winstate.Value) RegValueState {
	return RegValueState{Exists: true, Type: winstate.TypeName(v.Type), Data: hex.EncodeToString(v.Data)}
}

// value turns a recorded state back into a registry value.
func (s RegValueState) value() (winstate.Value, error) {
	data, err := hex.DecodeString(s.Data)
	if err != nil {
		return winstate.Value{}, fmt.Errorf("journal holds bad data %q: %w", s.Data, err)
	}
	for _, t := range []uint32{winstate.TypeNone, winstate.TypeSZ, winstate.TypeExpandSZ, winstate.TypeBinary, winstate.TypeDWORD, winstate.TypeDWORDBE, winstate.TypeMultiSZ, winstate.TypeQWORD} {
		if winstate.TypeName(t) == s.Type {
			return winstate.Value{Type: t, Data: data}, nil
		}
	}
	return winstate.Value{}, fmt.Errorf("journal holds unknown type %q", s.Type)
}

// encode turns an action's change into a registry value.
func encode(c finding.RegChange) (winstate.Value, error) {
	switch c.Type {
	case "REG_DWORD":
		n, err := strconv.ParseUint(c.Value, 0, 32)
		if err != nil {
			return winstate.Value{}, fmt.Errorf("%s\\%s: %q is not a DWORD", c.Key, c.Name, c.Value)
		}
		return winstate.DWORDValue(uint32(n)), nil
	case "REG_SZ":
		return winstate.StringValue(c.Value), nil
	}
	return winstate.Value{}, fmt.Errorf("%s\\%s: type %q is not supported by fix", c.Key, c.Name, c.Type)
}

// Describe says a value state the way people read it.
func (s RegValueState) Describe() string {
	if !s.Exists {
		return "(not set)"
	}
	v, err := s.value()
	if err != nil {
		return s.Data
	}
	if s.Type == "REG_DWORD" || s.Type == "REG_QWORD" {
		n, _ := v.Uint()
		return fmt.Sprintf("%s 0x%x", s.Type, n)
	}
	return fmt.Sprintf("%s %q", s.Type, v.String())
}

// NeedsAdmin reports whether any planned action needs an elevated prompt.
func NeedsAdmin(plan []PlannedAction) bool {
	for _, a := range plan {
		if a.Admin {
			return true
		}
	}
	return false
}

// Checks lists the finding IDs a plan repairs, to re-run after applying.
func Checks(plan []PlannedAction) []string {
	var ids []string
	seen := map[string]bool{}
	for _, a := range plan {
		if !seen[a.Finding] {
			seen[a.Finding] = true
			ids = append(ids, a.Finding)
		}
	}
	return ids
}

// FormatArgv shows an argument vector for people, quoting where needed.
func FormatArgv(argv []string) string {
	out := make([]string, len(argv))
	for i, a := range argv {
		if a == "" || strings.ContainsAny(a, " \t\"") {
			a = strconv.Quote(a)
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}

// missingKeys lists key and those of its ancestors that do not exist yet,
// deepest first: the keys writing a value under key would create.
func missingKeys(w winstate.Writer, key string) ([]string, error) {
	var missing []string
	for k := key; strings.Count(k, `\`) >= 2; k = k[:strings.LastIndex(k, `\`)] {
		ok, err := w.KeyExists(k)
		if err != nil {
			return nil, err
		}
		if ok {
			break
		}
		missing = append(missing, k)
	}
	return missing, nil
}

// ExecRunner runs commands with os/exec.
type ExecRunner struct{}

// Run implements Runner.
func (ExecRunner) Run(ctx context.Context, argv []string) ([]byte, error) {
	if len(argv) == 0 {
		return nil, errors.New("empty command")
	}
	return exec.CommandContext(ctx, argv[0], argv[1:]...).CombinedOutput()
}
