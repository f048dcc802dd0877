package winstate

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/sys/windows/registry"
)

// Live returns the machine's own registry, read through the 64-bit view
// (32-bit values are read by their Wow6432Node paths).
func Live() (Registry, error) { return liveRegistry{}, nil }

type liveRegistry struct{}

func open(key string, access uint32) (registry.Key, error) {
	key, err := NormalizeKey(key)
	if err != nil {
		return 0, err
	}
	root, path, _ := strings.Cut(key, `\`)
	var k registry.Key
	switch root {
	case "HKLM":
		k = registry.LOCAL_MACHINE
	case "HKCU":
		k = registry.CURRENT_USER
	case "HKCR":
		k = registry.CLASSES_ROOT
	case "HKU":
		k = registry.USERS
	case "HKCC":
		k = registry.CURRENT_CONFIG
	}
	h, err := registry.OpenKey(k, path, access|registry.WOW64_64KEY)
	if errors.Is(err, registry.ErrNotExist) {
		return 0, ErrNotExist
	}
	if err != nil {
		return 0, fmt.Errorf("open %s: %w", key, err)
	}
	return h, nil
}

func (liveRegistry) Value(key, name string) (Value, error) {
	k, err := open(key, registry.QUERY_VALUE)
	if err != nil {
		return Value{}, err
	}
	defer k.Close()
	n, typ, err := k.GetValue(name, nil)
	if errors.Is(err, registry.ErrNotExist) {
		return Value{}, ErrNotExist
	}
	if err != nil && n == 0 {
		return Value{}, fmt.Errorf("read %s\\%s: %w", key, name, err)
	}
	buf := make([]byte, n)
	n, typ, err = k.GetValue(name, buf)
	if err != nil {
		return Value{}, fmt.Errorf("read %s\\%s: %w", key, name, err)
	}
	return Value{Type: typ, Data: buf[:n]}, nil
}

func (liveRegistry) SubKeys(key string) ([]string, error) {
	k, err := open(key, registry.ENUMERATE_SUB_KEYS)
	if err != nil {
		return nil, err
	}
	defer k.Close()
	names, err := k.ReadSubKeyNames(-1)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", key, err)
	}
	return names, nil
}
