package winstate

import (
	"errors"
	"os"
	"strings"

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
		_, err := os.Stat(ExpandPath(path, os.Getenv))
		return err == nil
	})
	for _, name := range WantedServices {
		s.Services = append(s.Services, serviceState(name))
	}
	return s
}

// WantedServices are the services whose state a live run records.
var WantedServices = []string{"W32Time"}

// ExpandPath replaces %NAME% in a path with getenv(NAME), as Windows
// expands REG_EXPAND_SZ paths; a name getenv does not know stays as it
// is, so the path then names no file.
func ExpandPath(path string, getenv func(string) string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(path, '%')
		if i < 0 {
			break
		}
		j := strings.IndexByte(path[i+1:], '%')
		if j < 0 {
			break
		}
		name := path[i+1 : i+1+j]
		if v := getenv(name); name != "" && v != "" {
			b.WriteString(path[:i])
			b.WriteString(v)
		} else {
			b.WriteString(path[:i+2+j])
		}
		path = path[i+2+j:]
	}
	b.WriteString(path)
	return b.String()
}
