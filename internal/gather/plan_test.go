package gather_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/qadoctor/qadoctor/internal/facts"
	"github.com/qadoctor/qadoctor/internal/gather"
	"github.com/qadoctor/qadoctor/internal/profile"
)

// MakePlan is Run's loop over the fact sources without running anything:
// which sources a selection starts, and the progress total it announces.
// No network, no registry, no files.
func TestMakePlan(t *testing.T) {
	p := &profile.Profile{Schema: 1, Version: "test", MinTLS: "1.2", NTPServers: []string{"127.0.0.1:1", "127.0.0.1:2"}}
	for range 3 {
		p.Endpoints = append(p.Endpoints, profile.Endpoint{Host: "a.test", Port: 443, Required: true})
	}
	clock := func(context.Context) facts.ClockSettings { return facts.ClockSettings{} }
	winhttp := func(context.Context, string) facts.OSStack { return facts.OSStack{} }
	// Seams that this machine may lack are set, so the table reads the
	// same on Linux and on Windows.
	env := gather.Env{ClockSettings: clock, OSStack: winhttp}
	tests := []struct {
		name    string
		needs   facts.Needs
		sources []string
		tasks   int
	}{
		{"nothing", facts.Needs{}, nil, 0},
		{"hosts file", facts.Needs{HostsFile: true}, []string{"hosts-file"}, 0},
		{"a name lookup finds the way first", facts.Needs{DNS: true}, []string{"proxy", "endpoints"}, 3},
		{"HTTP implies the whole chain", facts.Needs{HTTP: true}, []string{"proxy", "endpoints"}, 3},
		{"versions imply the endpoints", facts.Needs{Versions: true}, []string{"proxy", "endpoints"}, 3},
		{"system", facts.Needs{System: true}, []string{"system"}, 0},
		{"NTP: one task per server", facts.Needs{NTP: true}, []string{"ntp"}, 2},
		{"clock settings", facts.Needs{ClockSettings: true}, []string{"clock-settings"}, 1},
		{"OS stack", facts.Needs{OSStack: true}, []string{"os-stack"}, 1},
		{"network", facts.Needs{Network: true}, []string{"network"}, 0},
		{"the browser: one task", facts.Needs{Browser: true}, []string{"browser"}, 1},
		{"everything, in table order", facts.Needs{HostsFile: true, DNS: true, TCP: true, TLS: true, Versions: true, System: true, OSStack: true, HTTP: true, NTP: true, ClockSettings: true, Network: true, Browser: true},
			[]string{"hosts-file", "system", "network", "proxy", "endpoints", "ntp", "clock-settings", "os-stack", "browser"}, 3 + 2 + 1 + 1 + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := gather.MakePlan(gather.Options{Profile: p, Needs: tt.needs, Env: env})
			if !reflect.DeepEqual(got.Sources, tt.sources) {
				t.Errorf("MakePlan(%+v).Sources = %v; want %v", tt.needs, got.Sources, tt.sources)
			}
			if got.Tasks != tt.tasks {
				t.Errorf("MakePlan(%+v).Tasks = %d; want %d", tt.needs, got.Tasks, tt.tasks)
			}
		})
	}
	// An empty profile has no endpoint for the OS stack to ask.
	if got := gather.MakePlan(gather.Options{Profile: &profile.Profile{}, Needs: facts.Needs{OSStack: true}, Env: env}); len(got.Sources) != 0 {
		t.Errorf("MakePlan with no endpoint = %v; want no os-stack source", got.Sources)
	}
}
