//go:build !linux && !windows

package netif

import "github.com/qadoctor/qadoctor/internal/facts"

func describe(*facts.Network) {}

func defaultRoute() string { return "" }
