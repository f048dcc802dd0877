package fleet

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/qadoctor/qadoctor/internal/finding"
)

// skim reads a report's head in one pass over its bytes: the few fields
// the summary counts are decoded, everything else (the evidence, most of a
// report) is skipped by matching brackets and strings. encoding/json
// decodes all of it (470 µs for a real 55 KB report) and gjson's API
// scans the findings twice (250 µs); one pass takes a fraction of that.
// FuzzAdd holds it to encoding/json on every valid report.
type skim struct {
	data []byte
	i    int
}

var errNotJSON = errors.New("not JSON")

func (s *skim) ws() {
	for s.i < len(s.data) {
		switch s.data[s.i] {
		case ' ', '\t', '\r', '\n':
			s.i++
		default:
			return
		}
	}
}

// peek is the next byte after white space, or 0 at the end.
func (s *skim) peek() byte {
	s.ws()
	if s.i >= len(s.data) {
		return 0
	}
	return s.data[s.i]
}

func (s *skim) expect(c byte) error {
	if s.peek() != c {
		return errNotJSON
	}
	s.i++
	return nil
}

// stringEnd returns the index just past the string starting at s.i (a
// quote), and whether it holds an escape.
func (s *skim) stringEnd() (end int, escaped bool, err error) {
	for j := s.i + 1; j < len(s.data); j++ {
		switch c := s.data[j]; {
		case c == '"':
			return j + 1, escaped, nil
		case c == '\\':
			escaped = true
			j++
		case c < 0x20:
			return 0, false, errNotJSON
		}
	}
	return 0, false, errNotJSON
}

// str reads a string.
func (s *skim) str() (string, error) {
	if s.peek() != '"' {
		return "", errNotJSON
	}
	end, escaped, err := s.stringEnd()
	if err != nil {
		return "", err
	}
	raw := s.data[s.i:end]
	s.i = end
	if !escaped && utf8.Valid(raw) {
		return string(raw[1 : len(raw)-1]), nil
	}
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", errNotJSON
	}
	return v, nil
}

// key reads an object's key without copying it (a key is compared, not
// kept: a report of millions of keys costs no memory for them).
func (s *skim) key() ([]byte, error) {
	if s.peek() != '"' {
		return nil, errNotJSON
	}
	end, escaped, err := s.stringEnd()
	if err != nil {
		return nil, err
	}
	raw := s.data[s.i:end]
	if !escaped && utf8.Valid(raw) {
		s.i = end
		return raw[1 : len(raw)-1], nil
	}
	v, err := s.str()
	return []byte(v), err
}

// field reads a value the summary keeps: a string of at most maxField
// bytes, or null for none; any other kind is not a report.
func (s *skim) field(what string) (string, error) {
	switch s.peek() {
	case '"':
		end, _, err := s.stringEnd()
		if err != nil {
			return "", err
		}
		if n := end - s.i - 2; n > maxField { // before it is copied
			s.i = end
			return "", tooLong(what, n)
		}
		// Decoded, a string may grow: an invalid byte becomes U+FFFD's three.
		v, err := s.str()
		if err == nil && len(v) > maxField {
			return "", tooLong(what, len(v))
		}
		return v, err
	case 'n':
		return "", s.skip()
	}
	if err := s.skip(); err != nil {
		return "", err
	}
	return "", fmt.Errorf("not a report: %s is not what a report holds", what)
}

func tooLong(what string, n int) error {
	return fmt.Errorf("not a report: %s is %d bytes long; a report's are at most %d", what, n, maxField)
}

// skip passes over one value of any kind.
func (s *skim) skip() error {
	switch c := s.peek(); {
	case c == '"':
		end, _, err := s.stringEnd()
		s.i = end
		return err
	case c == '{' || c == '[':
		depth := 0
		for s.i < len(s.data) {
			switch s.data[s.i] {
			case '"':
				end, _, err := s.stringEnd()
				if err != nil {
					return err
				}
				s.i = end
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					s.i++
					return nil
				}
			}
			s.i++
		}
		return errNotJSON
	case c == '-' || c >= '0' && c <= '9' || c == 't' || c == 'f' || c == 'n':
		for s.i < len(s.data) && strings.IndexByte(",}] \t\r\n", s.data[s.i]) < 0 {
			s.i++
		}
		return nil
	}
	return errNotJSON
}

// object calls fn for each key of the object at s.i, fn reading or
// skipping its value; a null is no object. The key is valid until the
// next call of s's methods.
func (s *skim) object(fn func(key []byte) error) error {
	return s.list('{', '}', func() error {
		key, err := s.key()
		if err != nil {
			return err
		}
		if err := s.expect(':'); err != nil {
			return err
		}
		return fn(key)
	})
}

// array calls fn for each element of the array at s.i; a null is none.
func (s *skim) array(fn func() error) error { return s.list('[', ']', fn) }

// list calls item for each member of the object or array at s.i, the
// members separated by commas between opening and closing; a null has none.
func (s *skim) list(opening, closing byte, item func() error) error {
	if s.peek() == 'n' {
		return s.skip()
	}
	if err := s.expect(opening); err != nil {
		return err
	}
	if s.peek() == closing {
		s.i++
		return nil
	}
	for {
		if err := item(); err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.i++
		case closing:
			s.i++
			return nil
		default:
			return errNotJSON
		}
	}
}

// version reads {"version": "…"} (tool, profile), skipping the rest.
func (s *skim) version(what string) (v string, err error) {
	if c := s.peek(); c != '{' && c != 'n' {
		s.skip()
		return "", fmt.Errorf("not a report: %s is not what a report holds", what)
	}
	err = s.object(func(key []byte) error {
		if string(key) != "version" {
			return s.skip()
		}
		v, err = s.field(what + ".version")
		return err
	})
	return v, err
}

// status reads a status: one of the five a finding has, or none. Any
// other is not a report (and would be a row no summary prints).
func (s *skim) status(what string) (string, error) {
	v, err := s.field(what)
	if err != nil || v == "" {
		return v, err
	}
	if _, err := finding.ParseStatus(v); err != nil {
		return "", fmt.Errorf("not a report: %s: %v", what, err)
	}
	return v, nil
}

// head reads the report object.
func (s *skim) head() (h reportHead, schema string, err error) {
	err = s.object(func(key []byte) error {
		var err error
		switch string(key) {
		case "schema":
			schema, err = s.field("schema")
		case "tool":
			h.toolVersion, err = s.version("tool")
		case "profile":
			h.profileVersion, err = s.version("profile")
		case "status":
			h.status, err = s.status("status")
		case "verdict":
			if s.peek() == 'n' {
				h.verdict = nil
				return s.skip()
			}
			if s.peek() != '{' {
				s.skip()
				return errors.New("not a report: verdict is not what a report holds")
			}
			vd := &struct{ id, reason string }{}
			err = s.object(func(k []byte) error {
				var err error
				switch string(k) {
				case "id":
					vd.id, err = s.field("verdict.id")
				case "reason":
					vd.reason, err = s.field("verdict.reason")
				default:
					err = s.skip()
				}
				return err
			})
			h.verdict = vd
		case "findings":
			if c := s.peek(); c != '[' && c != 'n' {
				s.skip()
				return errors.New("not a report: findings is not what a report holds")
			}
			h.findings = h.findings[:0]
			err = s.array(func() error {
				if c := s.peek(); c != '{' && c != 'n' {
					return errors.New("not a report: a finding is not what a report holds")
				}
				// Refused at the first past the bound: the findings
				// kept, not the file's claims, decide the memory.
				if len(h.findings) == MaxFindings {
					return fmt.Errorf("not a report: more than %d findings, where a report has one per check (about 25)", MaxFindings)
				}
				var fh findingHead
				err := s.object(func(k []byte) error {
					var err error
					switch string(k) {
					case "id":
						fh.id, err = s.field("a finding's id")
					case "status":
						fh.status, err = s.status("a finding's status")
					case "reason":
						fh.reason, err = s.field("a finding's reason")
					default:
						err = s.skip()
					}
					return err
				})
				h.findings = append(h.findings, fh)
				return err
			})
		default:
			err = s.skip()
		}
		return err
	})
	return h, schema, err
}
