//go:build !windows

package winstate

import "github.com/qadoctor/qadoctor/internal/facts"

// serviceState is unknown off Windows; LiveSystem never asks there.
func serviceState(name string) facts.ServiceFact {
	return facts.ServiceFact{Name: name, State: "unknown"}
}
