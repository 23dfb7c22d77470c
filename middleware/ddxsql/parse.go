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

// parseDSN reads the data source name of a database of the given db.system
// in its driver's form: URLs (postgres://user:pass@host:5432/db?...),
// libpq's key=value pairs (host=... port=... dbname=... user=...), the
// MySQL driver's user:pass@tcp(host:3306)/db, and for SQLite ("file:app.db",
// "app.db", ":memory:") the file's base name as db. Anything else yields
// nothing: a span without out.host is better than one with a wrong one, or
// with the password (a MySQL DSN read as a file path put it in db.name).
func parseDSN(system, dsn string) dsnInfo {
	dsn = strings.TrimSpace(dsn)
	switch {
	case system == "mysql":
		return parseMySQL(dsn)
	case strings.HasPrefix(dsn, "file:"):
		return parseFile(dsn)
	case strings.Contains(dsn, "://"):
		return parseURL(dsn)
	case strings.Contains(dsn, "="):
		return parseKeyValues(dsn)
	case system == "sqlite" || !strings.ContainsAny(dsn, "@:") || strings.HasPrefix(dsn, ":memory:"):
		// A file name; one with '@' or ':' may be user:password@…
		// of a driver whose form is not known here.
		return parseFile(dsn)
	}
	return dsnInfo{}
}

func parseURL(dsn string) dsnInfo {
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

func parseKeyValues(dsn string) dsnInfo {
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

// parseMySQL reads github.com/go-sql-driver/mysql's form,
// [user[:password]@][net[(addr)]]/dbname[?params], where the password may
// hold '@' and '/' (the driver takes the last '@' before the last '/').
// A URL (mysql://…) is read as one.
func parseMySQL(dsn string) dsnInfo {
	if strings.Contains(dsn, "://") {
		return parseURL(dsn)
	}
	slash := strings.LastIndexByte(dsn, '/')
	if slash < 0 {
		return dsnInfo{}
	}
	var info dsnInfo
	if q := strings.IndexByte(dsn[slash+1:], '?'); q >= 0 {
		info.db = dsn[slash+1 : slash+1+q]
	} else {
		info.db = dsn[slash+1:]
	}
	head := dsn[:slash]
	if at := strings.LastIndexByte(head, '@'); at >= 0 {
		info.user, _, _ = strings.Cut(head[:at], ":")
		head = head[at+1:]
	}
	// net(addr): tcp(host:port), unix(/path); a bare net has no address.
	if open := strings.IndexByte(head, '('); open >= 0 && strings.HasSuffix(head, ")") {
		addr := head[open+1 : len(head)-1]
		if head[:open] == "unix" {
			info.host = addr
		} else if h, p, err := net.SplitHostPort(addr); err == nil {
			info.host, info.port = h, p
		} else {
			info.host = addr
		}
	}
	return info
}

func parseFile(dsn string) dsnInfo {
	path := strings.TrimPrefix(dsn, "file:")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	if path == "" || strings.HasPrefix(path, ":memory:") {
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
