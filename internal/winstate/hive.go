package winstate

import (
	"sort"
	"strings"
)

// Hive is an in-memory registry: what a .reg export holds, or what a test
// sets up. Key and value names are case-insensitive, as in Windows.
//
// Keys form a tree walked one name at a time, so no operation hashes or
// copies a whole path per level: a line costs its length, deleting a key
// costs its subtree, and a .reg file with 10,000 [-key] lines or keys 512
// levels deep parses in linear time.
type Hive struct {
	roots map[string]*hiveKey // by lower-case short root (HKLM…)
	// partial: the hive knows only the keys a .reg file names. regedit
	// exports a key with its whole subtree, so a declared key covers
	// everything below it; a whole hive (a test's) covers everything.
	partial bool
	// skipped are the lines of a .reg file that regedit would not import.
	skipped      []SkippedLine
	skippedTotal int
}

type hiveKey struct {
	name     string            // as first written; Windows keeps a key's first spelling
	values   map[string]Value  // by lower-case name; "" is the default value
	names    map[string]string // lower-case name to the name as written
	children map[string]*hiveKey
	parent   *hiveKey
	exists   bool // false for a node kept only to remember a [-key]
	declared bool // a .reg file names this key ([key] or [-key])
}

// path is the key's full path, each name as first written. It is built
// when asked (for tests and exports), so a deep key costs no copies.
func (k *hiveKey) path() string {
	if k.parent == nil {
		return k.name
	}
	return k.parent.path() + `\` + k.name
}

// hasSubKeys reports whether an existing key is below k (a node kept
// only to remember a [-key] is none).
func (k *hiveKey) hasSubKeys() bool {
	for _, c := range k.children {
		if c.exists {
			return true
		}
	}
	return false
}

func (k *hiveKey) set(name string, v Value) {
	k.values[lower(name)] = v
	k.names[lower(name)] = name
}

// NewHive returns an empty hive that knows the whole registry: what it
// does not hold is not set.
func NewHive() *Hive { return &Hive{roots: map[string]*hiveKey{}} }

// newPartialHive returns an empty hive that knows only the keys declared
// in it, as a .reg export does.
func newPartialHive() *Hive { return &Hive{roots: map[string]*hiveKey{}, partial: true} }

func lower(s string) string { return strings.ToLower(s) }

// walk finds the node at path (normalized), creating the missing ones
// when create is set; it returns nil when a node is missing and create is
// not set.
func (h *Hive) walk(path string, create bool) *hiveKey {
	rest := path
	var k *hiveKey
	for rest != "" || k == nil {
		name, tail, _ := strings.Cut(rest, `\`)
		ln := lower(name)
		var next *hiveKey
		if k == nil {
			next = h.roots[ln]
		} else {
			next = k.children[ln]
		}
		if next == nil || (!next.exists && create) {
			if !create {
				return nil
			}
			if next == nil {
				next = &hiveKey{name: name, parent: k}
				if k == nil {
					h.roots[ln] = next
				} else {
					if k.children == nil {
						k.children = map[string]*hiveKey{}
					}
					k.children[ln] = next
				}
			}
			next.values, next.names, next.exists = map[string]Value{}, map[string]string{}, true
		}
		k = next
		rest = tail
	}
	return k
}

// key returns the key at path, creating it and its parents (and marking
// it declared).
func (h *Hive) key(path string) *hiveKey {
	k := h.walk(path, true)
	k.declared = true
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
	k := h.walk(key, false)
	if k == nil {
		// Remember the deletion: the nodes on the way exist no more than
		// the file says, so only the deleted key is marked.
		k = h.walk(key, true)
	}
	k.values, k.names, k.children, k.exists, k.declared = nil, nil, nil, false, true
}

// lookup returns the existing key at a normalized path, or nil.
func (h *Hive) lookup(path string) *hiveKey {
	if k := h.walk(path, false); k != nil && k.exists {
		return k
	}
	return nil
}

// covered reports whether the hive knows the state of key: a whole hive
// always does; a partial one when the key or a parent is declared.
func (h *Hive) covered(key string) bool {
	if !h.partial {
		return true
	}
	rest := key
	var k *hiveKey
	for rest != "" {
		name, tail, _ := strings.Cut(rest, `\`)
		if k == nil {
			k = h.roots[lower(name)]
		} else {
			k = k.children[lower(name)]
		}
		if k == nil {
			return false
		}
		if k.declared {
			return true
		}
		rest = tail
	}
	return false
}

// Value implements Registry.
func (h *Hive) Value(key, name string) (Value, error) {
	key, err := NormalizeKey(key)
	if err != nil {
		return Value{}, err
	}
	if k := h.lookup(key); k != nil {
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
	k := h.lookup(key)
	var names []string
	if k != nil {
		for _, c := range k.children {
			if c.exists {
				names = append(names, c.name)
			}
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

// each calls fn for every existing key, parents before children.
func (h *Hive) each(fn func(*hiveKey)) {
	var visit func(k *hiveKey)
	visit = func(k *hiveKey) {
		if !k.exists {
			return
		}
		fn(k)
		for _, c := range k.children {
			visit(c)
		}
	}
	for _, r := range h.roots {
		visit(r)
	}
}
