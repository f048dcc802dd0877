package winstate

import (
	"errors"
	"fmt"
	"strings"
	"syscall"

	"golang.org/x/sys/windows/registry"
)

//sys	regSetValueEx(key syscall.Handle, valueName *uint16, reserved uint32, vtype uint32, buf *byte, bufsize uint32) (regerrno error) = advapi32.RegSetValueExW

func liveWriter() (Writer, error) { return liveRegistry{}, nil }

func rootAndPath(key string) (registry.Key, string, error) {
	key, err := NormalizeKey(key)
	if err != nil {
		return 0, "", err
	}
	root, path, _ := strings.Cut(key, `\`)
	m := map[string]registry.Key{"HKLM": registry.LOCAL_MACHINE, "HKCU": registry.CURRENT_USER, "HKCR": registry.CLASSES_ROOT, "HKU": registry.USERS, "HKCC": registry.CURRENT_CONFIG}
	return m[root], path, nil
}

func (liveRegistry) SetValue(key, name string, v Value) error {
	root, path, err := rootAndPath(key)
	if err != nil {
		return err
	}
	k, _, err := registry.CreateKey(root, path, registry.SET_VALUE|registry.WOW64_64KEY)
	if err != nil {
		return fmt.Errorf("open %s for writing: %w", key, err)
	}
	defer k.Close()
	n, err := syscall.UTF16PtrFromString(name)
	if err != nil {
		return err
	}
	var buf *byte
	if len(v.Data) > 0 {
		buf = &v.Data[0]
	}
	if err := regSetValueEx(syscall.Handle(k), n, 0, v.Type, buf, uint32(len(v.Data))); err != nil {
		return fmt.Errorf("set %s\\%s: %w", key, name, err)
	}
	return nil
}

func (liveRegistry) DeleteValue(key, name string) error {
	root, path, err := rootAndPath(key)
	if err != nil {
		return err
	}
	k, err := registry.OpenKey(root, path, registry.SET_VALUE|registry.WOW64_64KEY)
	if errors.Is(err, registry.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open %s for writing: %w", key, err)
	}
	defer k.Close()
	if err := k.DeleteValue(name); err != nil && !errors.Is(err, registry.ErrNotExist) {
		return fmt.Errorf("delete %s\\%s: %w", key, name, err)
	}
	return nil
}

func (liveRegistry) KeyExists(key string) (bool, error) {
	k, err := open(key, registry.QUERY_VALUE)
	if errors.Is(err, ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	k.Close()
	return true, nil
}

func (liveRegistry) DeleteKeyIfEmpty(key string) error {
	k, err := open(key, registry.QUERY_VALUE)
	if errors.Is(err, ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	info, err := k.Stat()
	k.Close()
	if err != nil || info.ValueCount > 0 || info.SubKeyCount > 0 {
		return err
	}
	root, path, _ := rootAndPath(key)
	return registry.DeleteKey(root, path) // 64-bit view: our keys never use Wow redirection
}
