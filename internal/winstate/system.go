package winstate

import (
	"errors"
	"os"

	"github.com/qadoctor/qadoctor/internal/facts"
)

// LiveSystem collects the system state of this machine: on Windows from
// its registry and files; elsewhere a System saying there is none.
func LiveSystem() facts.System {
	reg, err := Live()
	switch {
	case errors.Is(err, ErrNotWindows):
		return facts.System{State: facts.SystemNotWindows, Source: "live"}
	case err != nil:
		return facts.System{State: facts.SystemError, Source: "live", Error: err.Error()}
	}
	s := Collect(reg, "live", "", func(path string) bool {
		_, err := os.Stat(path)
		return err == nil
	})
	for _, name := range WantedServices {
		s.Services = append(s.Services, serviceState(name))
	}
	return s
}

// WantedServices are the services whose state a live run records.
var WantedServices = []string{"W32Time"}
