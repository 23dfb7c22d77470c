package ddxsql

import (
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// dsnInfo is what spans may say about the database a data source name
// points at. It never holds the password.
type dsnInfo struct {
	host, port, db, user string
}

// parseDSN reads the two common forms of data source name, URLs
// (postgres://user:pass@host:5432/db?...) and libpq's key=value pairs
// (host=... port=... dbname=... user=...), and for SQLite ("file:app.db",
// "app.db", ":memory:") the file's base name as db. Anything else yields
// nothing: a span without out.host is better than one with a wrong one.
func parseDSN(dsn string) dsnInfo {
	dsn = strings.TrimSpace(dsn)
	if i := strings.Index(dsn, "://"); i > 0 && !strings.HasPrefix(dsn, "file:") {
		u, err := url.Parse(dsn)
		if err != nil {
			return dsnInfo{}
		}
		info := dsnInfo{host: u.Hostname(), port: u.Port(), db: strings.TrimPrefix(u.Path, "/")}
		if u.User != nil {
			info.user = u.User.Username()
		}
		q := u.Query()
		if info.host == "" {
			info.host = q.Get("host")
		}
		if v := q.Get("dbname"); v != "" && info.db == "" {
			info.db = v
		}
		return info
	}
	if strings.Contains(dsn, "=") && !strings.HasPrefix(dsn, "file:") {
		var info dsnInfo
		for _, kv := range splitKeyValues(dsn) {
			k, v, _ := strings.Cut(kv, "=")
			switch strings.TrimSpace(k) {
			case "host":
				info.host = v
			case "port":
				info.port = v
			case "dbname":
				info.db = v
			case "user":
				info.user = v
			}
		}
		if h, p, err := net.SplitHostPort(info.host); err == nil && info.port == "" {
			info.host, info.port = h, p
		}
		return info
	}
	path := strings.TrimPrefix(dsn, "file:")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	if path == "" || path == ":memory:" || strings.HasPrefix(path, ":memory:") {
		return dsnInfo{db: ":memory:"}
	}
	return dsnInfo{db: filepath.Base(path)}
}

// splitKeyValues splits libpq's "k=v k2='v 2'" form, honouring single
// quotes and backslash escapes.
func splitKeyValues(s string) []string {
	var (
		out    []string
		cur    strings.Builder
		quoted bool
	)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
		case c == '\'':
			quoted = !quoted
		case !quoted && (c == ' ' || c == '\t' || c == '\n'):
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteByte(c)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

// serviceName is the application's service as ddx names it: DD_SERVICE,
// else the executable's name.
func serviceName() string {
	if s := strings.TrimSpace(os.Getenv("DD_SERVICE")); s != "" {
		return s
	}
	if exe, err := os.Executable(); err == nil {
		return strings.TrimSuffix(filepath.Base(exe), ".exe")
	}
	return filepath.Base(os.Args[0])
}
