// Package shellwords splits a command line into words and joins words into
// a command line, as a POSIX shell reads words, without expanding anything:
// Split(Join(words)) gives the words back.
package shellwords

import (
	"errors"
	"strings"
)

// The problems Split reports, phrased to follow "the command ...".
var (
	ErrSingleQuote = errors.New("has a ' that is not closed")
	ErrDoubleQuote = errors.New(`has a " that is not closed`)
	ErrBackslash   = errors.New(`ends with a lone "\"`)
)

// Split splits s into words: blanks (space, tab, newline) separate words;
// '...' keeps its content as is; "..." keeps it but for \" \\ \$ \` (the
// character alone) and \newline (nothing); outside quotes \ makes the next
// character literal and \newline is nothing. Nothing is expanded.
func Split(s string) ([]string, error) {
	var (
		words []string
		cur   strings.Builder
		in    bool // inside a word
	)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		case c == '\\':
			if i+1 == len(s) {
				return nil, ErrBackslash
			}
			i++
			if s[i] != '\n' {
				cur.WriteByte(s[i])
				in = true
			}
		case c == '\'':
			in = true
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return nil, ErrSingleQuote
			}
			cur.WriteString(s[i+1 : i+1+end])
			i += 1 + end
		case c == '"':
			in = true
			closed := false
			for i++; i < len(s); i++ {
				if s[i] == '"' {
					closed = true
					break
				}
				if s[i] == '\\' && i+1 < len(s) {
					switch s[i+1] {
					case '\n':
						i++
						continue
					case '"', '\\', '$', '`':
						i++
					}
				}
				cur.WriteByte(s[i])
			}
			if !closed {
				return nil, ErrDoubleQuote
			}
		default:
			in = true
			cur.WriteByte(c)
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words, nil
}

// Join quotes each word where needed and joins them with spaces.
func Join(words []string) string {
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = Quote(w)
	}
	return strings.Join(quoted, " ")
}

// Quote makes word one shell word: as it is when every character is safe,
// else in single quotes (a ' inside closes them, is escaped and reopens them).
func Quote(word string) string {
	if word != "" && strings.IndexFunc(word, unsafe) < 0 {
		return word
	}
	return "'" + strings.ReplaceAll(word, "'", `'\''`) + "'"
}

func unsafe(r rune) bool {
	return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@%+,", r))
}
