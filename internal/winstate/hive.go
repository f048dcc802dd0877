package winstate

import (
	"sort"
	"strings"
)

// Hive is an in-memory registry: what a .reg export holds, or what a test
// sets up. Key and value names are case-insensitive, as in Windows.
//
// Keys form a tree, so deleting a key costs its subtree and listing
// subkeys costs the children: a .reg file with 10,000 [-key] lines parses
// in linear time.
type Hive struct {
	keys map[string]*hiveKey // by lower-case normalized path
	// declared holds the keys a .reg file names. regedit exports a key
	// with its whole subtree, so a declared key covers everything below
	// it; nil means the hive is the whole registry (a test's).
	declared map[string]bool
	// skipped are the lines of a .reg file that regedit would not import.
	skipped      []SkippedLine
	skippedTotal int
}

type hiveKey struct {
	path     string            // as first written
	values   map[string]Value  // by lower-case name; "" is the default value
	names    map[string]string // lower-case name to the name as written
	parent   *hiveKey
	children map[string]*hiveKey // by lower-case name
}

func (k *hiveKey) set(name string, v Value) {
	k.values[lower(name)] = v
	k.names[lower(name)] = name
}

// NewHive returns an empty hive that knows the whole registry: what it
// does not hold is not set.
func NewHive() *Hive { return &Hive{keys: map[string]*hiveKey{}} }

// newPartialHive returns an empty hive that knows only the keys declared
// in it, as a .reg export does.
func newPartialHive() *Hive { return &Hive{keys: map[string]*hiveKey{}, declared: map[string]bool{}} }

func lower(s string) string { return strings.ToLower(s) }

// key returns the key at path, creating it and its parents (and marking
// it declared).
func (h *Hive) key(path string) *hiveKey {
	k := h.lookup(path)
	if h.declared != nil {
		h.declared[lower(path)] = true
	}
	return k
}

// lookup returns the key at path, creating it and its parents.
func (h *Hive) lookup(path string) *hiveKey {
	lp := lower(path)
	if k := h.keys[lp]; k != nil {
		return k
	}
	k := &hiveKey{path: path, values: map[string]Value{}, names: map[string]string{}}
	h.keys[lp] = k
	if i := strings.LastIndexByte(path, '\\'); i >= 0 {
		k.parent = h.lookup(path[:i])
		if k.parent.children == nil {
			k.parent.children = map[string]*hiveKey{}
		}
		k.parent.children[lp[i+1:]] = k
	}
	return k
}

// Set sets a value, creating its key. key must be normalized (see
// NormalizeKey); Set panics on an unknown root, which is a bug in a test.
func (h *Hive) Set(key, name string, v Value) {
	k, err := NormalizeKey(key)
	if err != nil {
		panic(err)
	}
	h.key(k).set(name, v)
}

func (h *Hive) deleteValue(key, name string) {
	k := h.key(key)
	delete(k.values, lower(name))
	delete(k.names, lower(name))
}

// deleteKey removes a key and its subtree, and remembers that it is gone.
func (h *Hive) deleteKey(key string) {
	if k := h.keys[lower(key)]; k != nil {
		if k.parent != nil {
			delete(k.parent.children, lower(key[strings.LastIndexByte(key, '\\')+1:]))
		}
		h.forget(k)
	}
	if h.declared != nil {
		h.declared[lower(key)] = true
	}
}

// forget drops k and its subtree from the index.
func (h *Hive) forget(k *hiveKey) {
	delete(h.keys, lower(k.path))
	for _, c := range k.children {
		h.forget(c)
	}
}

// covered reports whether the hive knows the state of key.
func (h *Hive) covered(key string) bool {
	if h.declared == nil {
		return true
	}
	k := lower(key)
	for {
		if h.declared[k] {
			return true
		}
		i := strings.LastIndexByte(k, '\\')
		if i < 0 {
			return false
		}
		k = k[:i]
	}
}

// Value implements Registry.
func (h *Hive) Value(key, name string) (Value, error) {
	key, err := NormalizeKey(key)
	if err != nil {
		return Value{}, err
	}
	if k := h.keys[lower(key)]; k != nil {
		if v, ok := k.values[lower(name)]; ok {
			return v, nil
		}
	}
	if !h.covered(key) {
		return Value{}, ErrNotCovered
	}
	return Value{}, ErrNotExist
}

// SubKeys implements Registry.
func (h *Hive) SubKeys(key string) ([]string, error) {
	key, err := NormalizeKey(key)
	if err != nil {
		return nil, err
	}
	k := h.keys[lower(key)]
	var names []string
	if k != nil {
		for _, c := range k.children {
			names = append(names, c.path[strings.LastIndexByte(c.path, '\\')+1:])
		}
	}
	if len(names) == 0 {
		if !h.covered(key) {
			return nil, ErrNotCovered
		}
		if k == nil {
			return nil, ErrNotExist
		}
	}
	sort.Strings(names)
	return names, nil
}

// Remove deletes a key and its subtree (for tests that build machines).
func (h *Hive) Remove(key string) {
	k, err := NormalizeKey(key)
	if err != nil {
		panic(err)
	}
	h.deleteKey(k)
}
