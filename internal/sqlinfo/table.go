package sqlinfo

import "strings"

// Table returns the table a plain statement is about: the name after
// the first FROM of a SELECT or DELETE, INTO of an INSERT, or UPDATE, or ""
// when the statement is not that simple. It only runs for errors, so it
// needs to be right rather than fast.
func Table(query string) string {
	words := strings.Fields(stripComments(query))
	if len(words) < 2 {
		return ""
	}
	var after string
	switch strings.ToUpper(words[0]) {
	case "SELECT", "DELETE":
		after = "FROM"
	case "INSERT", "REPLACE":
		after = "INTO"
	case "UPDATE":
		return identifier(words[1])
	default:
		return ""
	}
	for i := 1; i < len(words)-1; i++ {
		if strings.EqualFold(words[i], after) {
			return identifier(words[i+1])
		}
	}
	return ""
}

// identifier returns w's leading (possibly qualified, possibly quoted)
// name, without quotes, or "" when it does not start with one (a
// subquery).
func identifier(w string) string {
	end := 0
	for end < len(w) {
		c := w[end]
		if c == '_' || c == '.' || c == '"' || c == '`' || c == '[' || c == ']' ||
			('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') || c >= 0x80 {
			end++
			continue
		}
		break
	}
	b := make([]byte, 0, end)
	for i := 0; i < end; i++ {
		switch w[i] {
		case '"', '`', '[', ']':
		default:
			b = append(b, w[i])
		}
	}
	name := string(b)
	if name == "" || name[0] == '.' {
		return ""
	}
	return name
}

// stripComments removes SQL comments, such as Database Monitoring's.
func stripComments(q string) string {
	var b strings.Builder
	for i := 0; i < len(q); i++ {
		switch {
		case q[i] == '-' && i+1 < len(q) && q[i+1] == '-':
			for i < len(q) && q[i] != '\n' {
				i++
			}
			b.WriteByte(' ')
		case q[i] == '/' && i+1 < len(q) && q[i+1] == '*':
			end := strings.Index(q[i+2:], "*/")
			if end < 0 {
				return b.String()
			}
			i += end + 3
			b.WriteByte(' ')
		default:
			b.WriteByte(q[i])
		}
	}
	return b.String()
}
