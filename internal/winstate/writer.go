package winstate

//go:generate go run golang.org/x/sys/windows/mkwinsyscall -output zsyscall_windows.go write_windows.go

// Writer changes registry values: what `qadoctor fix` and `undo` need. The
// live registry (Windows) and Hive implement it.
type Writer interface {
	Registry
	// SetValue writes a value with its exact type and bytes, creating the
	// key when needed.
	SetValue(key, name string, v Value) error
	// DeleteValue removes a value; a value already absent is not an error.
	DeleteValue(key, name string) error
	// KeyExists reports whether a key exists.
	KeyExists(key string) (bool, error)
	// DeleteKeyIfEmpty removes a key that has no values and no subkeys (one
	// that fix created); any other key is left alone.
	DeleteKeyIfEmpty(key string) error
}

// SetValue implements Writer.
func (h *Hive) SetValue(key, name string, v Value) error {
	k, err := NormalizeKey(key)
	if err != nil {
		return err
	}
	h.key(k).set(name, v)
	return nil
}

// DeleteValue implements Writer.
func (h *Hive) DeleteValue(key, name string) error {
	k, err := NormalizeKey(key)
	if err != nil {
		return err
	}
	if hk := h.lookup(k); hk != nil {
		delete(hk.values, lower(name))
		delete(hk.names, lower(name))
	}
	return nil
}

// KeyExists implements Writer.
func (h *Hive) KeyExists(key string) (bool, error) {
	k, err := NormalizeKey(key)
	if err != nil {
		return false, err
	}
	return h.lookup(k) != nil, nil
}

// DeleteKeyIfEmpty implements Writer.
func (h *Hive) DeleteKeyIfEmpty(key string) error {
	k, err := NormalizeKey(key)
	if err != nil {
		return err
	}
	hk := h.lookup(k)
	if hk == nil || len(hk.values) > 0 || hk.hasSubKeys() {
		return nil
	}
	if hk.parent != nil {
		delete(hk.parent.children, lower(hk.name))
	} else {
		delete(h.roots, lower(hk.name))
	}
	return nil
}

// LiveWriter returns the machine's registry for writing (Windows only).
func LiveWriter() (Writer, error) { return liveWriter() }
