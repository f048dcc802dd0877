package fix

import (
	"context"
	"fmt"

	"github.com/qadoctor/qadoctor/internal/winstate"
)

// Apply carries out the journal's plan in order. Before each registry
// change the journal records the step as applying (its prior state is
// already on disk), and after it as applied, so a run cut off anywhere
// can be undone. It stops at the first failure; what was done stays
// journaled for undo.
func Apply(ctx context.Context, j *Journal, w winstate.Writer, run Runner) error {
	for ai := range j.Actions {
		a := &j.Actions[ai]
		for si := range a.Registry {
			s := &a.Registry[si]
			if s.State != StatePending {
				continue
			}
			// Re-read right before changing: the journal holds what this
			// change replaces, not what was there at planning time.
			prior, err := readState(w, s.Key, s.Name)
			if err != nil {
				return err
			}
			s.Prior = prior
			if s.Created, err = missingKeys(w, s.Key); err != nil {
				return err
			}
			s.State = StateApplying
			if err := j.Save(); err != nil {
				return err
			}
			if err := setState(w, s.Key, s.Name, s.New); err != nil {
				// Whether the write took effect is unknown: the step stays
				// "applying", which undo restores (a no-op if it did not).
				s.Error = err.Error()
				j.Save()
				return fmt.Errorf("%s: %w", a.Action, err)
			}
			s.State = StateApplied
			if err := j.Save(); err != nil {
				return err
			}
		}
		for ci := range a.Commands {
			c := &a.Commands[ci]
			if c.State != StatePending {
				continue
			}
			out, err := run.Run(ctx, c.Argv)
			c.Output = string(out)
			if err != nil {
				c.State, c.Error = StateFailed, err.Error()
				j.Save()
				return fmt.Errorf("%s: %s: %w", a.Action, FormatArgv(c.Argv), err)
			}
			c.State = StateApplied
			if err := j.Save(); err != nil {
				return err
			}
		}
	}
	return nil
}

// Undo restores, newest first, every registry value the journal may have
// changed, and removes keys fix created once they are empty. Steps already
// undone are skipped, so undo twice changes nothing the second time.
func Undo(j *Journal, w winstate.Writer) (restored int, err error) {
	for ai := len(j.Actions) - 1; ai >= 0; ai-- {
		a := &j.Actions[ai]
		for si := len(a.Registry) - 1; si >= 0; si-- {
			s := &a.Registry[si]
			if s.State != StateApplying && s.State != StateApplied {
				continue
			}
			if err := setState(w, s.Key, s.Name, s.Prior); err != nil {
				return restored, fmt.Errorf("restore %s\\%s: %w", s.Key, s.Name, err)
			}
			for _, k := range s.Created {
				if err := w.DeleteKeyIfEmpty(k); err != nil {
					return restored, fmt.Errorf("remove %s: %w", k, err)
				}
			}
			s.State = StateUndone
			restored++
			if err := j.Save(); err != nil {
				return restored, err
			}
		}
	}
	return restored, nil
}

// setState makes a value what st says: set to its bytes, or absent.
func setState(w winstate.Writer, key, name string, st RegValueState) error {
	if !st.Exists {
		return w.DeleteValue(key, name)
	}
	v, err := st.value()
	if err != nil {
		return err
	}
	return w.SetValue(key, name, v)
}
