package history

import (
	"errors"
	"strings"
)

// tableColumns returns the column names, lower-cased and in order, of a
// CREATE TABLE statement as sqlite_master keeps it. It reads only what
// finding a column by name needs: the parenthesised list, split at its
// top-level commas, each part's first word (quoted or not), with table
// constraints (PRIMARY KEY(...), UNIQUE, CHECK, FOREIGN KEY, CONSTRAINT)
// left out. Chromium's schema is plain; quoting and comments are handled
// so that a schema written by other tools is not misread.
func tableColumns(sql string) ([]string, error) {
	open := strings.IndexByte(sql, '(')
	if open < 0 {
		return nil, errors.New("no column list")
	}
	var cols []string
	depth, start := 0, open+1
	for i := open + 1; i < len(sql); i++ {
		switch c := sql[i]; c {
		case '\'', '"', '`', '[':
			end := byte(c)
			if c == '[' {
				end = ']'
			}
			j := strings.IndexByte(sql[i+1:], end)
			if j < 0 {
				return nil, errors.New("an unclosed quote")
			}
			i += j + 1
		case '-':
			if strings.HasPrefix(sql[i:], "--") {
				j := strings.IndexByte(sql[i:], '\n')
				if j < 0 {
					return nil, errors.New("the column list does not end")
				}
				i += j
			}
		case '/':
			if strings.HasPrefix(sql[i:], "/*") {
				j := strings.Index(sql[i+2:], "*/")
				if j < 0 {
					return nil, errors.New("an unclosed comment")
				}
				i += j + 3
			}
		case '(':
			depth++
		case ')', ',':
			if c == ')' && depth > 0 {
				depth--
				continue
			}
			if depth > 0 {
				continue
			}
			if name, ok := columnName(sql[start:i]); ok {
				cols = append(cols, name)
			}
			if c == ')' {
				return cols, nil
			}
			start = i + 1
		}
	}
	return nil, errors.New("the column list does not end")
}

// columnName is the name a column definition starts with; ok is false for
// a table constraint.
func columnName(def string) (string, bool) {
	def = strings.TrimLeft(def, " \t\r\n")
	if def == "" {
		return "", false
	}
	var name string
	switch def[0] {
	case '"', '`', '\'', '[':
		end := def[0]
		if end == '[' {
			end = ']'
		}
		j := strings.IndexByte(def[1:], end)
		if j < 0 {
			return "", false
		}
		return strings.ToLower(def[1 : j+1]), true
	default:
		name = def
		if j := strings.IndexAny(def, " \t\r\n("); j >= 0 {
			name = def[:j]
		}
	}
	switch strings.ToUpper(name) {
	case "CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN":
		return "", false
	}
	return strings.ToLower(name), true
}

// index is the position of name in cols, or -1.
func index(cols []string, name string) int {
	for i, c := range cols {
		if c == name {
			return i
		}
	}
	return -1
}
