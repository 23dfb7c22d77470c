package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "modernc.org/sqlite" // the "sqlite" driver: pure Go, no cgo

	"github.com/ddx-go/ddx/errors"
	"github.com/ddx-go/ddx/middleware"
	"github.com/ddx-go/ddx/middleware/ddxpgx"
	"github.com/ddx-go/ddx/middleware/ddxsql"
)

// migrations are the schema, in order; each runs once per database, in a
// transaction, and is recorded in schema_migrations. Append, never edit:
// a database that already ran a migration will not run it again. The SQL
// is what SQLite and PostgreSQL both accept.
var migrations = []string{
	`CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)`,
	`INSERT INTO items (id, name) VALUES (1, 'keyboard'), (2, 'mouse') ON CONFLICT (id) DO NOTHING`,
}

// openStore opens the database the service keeps its items in and brings
// its schema up to date: PostgreSQL through ddxpgx when databaseURL is a
// postgres:// URL, else an embedded SQLite file at sqlitePath through
// ddxsql, so that `go run .` works on a machine with no database. Both
// trace every query as a child of the request's span. The returned
// function closes it.
func openStore(ctx context.Context, databaseURL, sqlitePath string) (store, func(), error) {
	const op errors.Op = "store.Open"
	if databaseURL != "" {
		if !strings.HasPrefix(databaseURL, "postgres://") && !strings.HasPrefix(databaseURL, "postgresql://") {
			return nil, nil, errors.E(op, errors.Invalid, "DATABASE_URL must be a postgres:// URL")
		}
		pool, err := ddxpgx.NewPool(ctx, databaseURL)
		if err != nil {
			return nil, nil, errors.E(op, "open PostgreSQL", err)
		}
		s := &pgStore{pool: pool}
		if err := migrateJob(ctx, s); err != nil {
			pool.Close()
			return nil, nil, errors.E(op, err)
		}
		slog.InfoContext(ctx, "store: PostgreSQL", "db.system", "postgresql", "migrations", len(migrations))
		return s, pool.Close, nil
	}
	db, err := ddxsql.Open("sqlite", "file:"+sqlitePath+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)")
	if err != nil {
		return nil, nil, errors.E(op, "open SQLite", err)
	}
	s := &sqliteStore{db: db}
	if err := migrateJob(ctx, s); err != nil {
		db.Close()
		return nil, nil, errors.E(op, err, slog.String("sqlite.path", sqlitePath))
	}
	slog.InfoContext(ctx, "store: SQLite", "db.system", "sqlite", "sqlite.path", sqlitePath, "migrations", len(migrations))
	return s, func() { db.Close() }, nil
}

// migrator is what migrate needs of a store.
type migrator interface {
	// applied returns how many migrations the database has run.
	applied(ctx context.Context) (int, error)
	// apply runs migration n (from 1) and records it, in one transaction.
	apply(ctx context.Context, n int, stmt string) error
}

// migrateJob runs migrate as one job, store.migrate: one trace per start,
// with its queries as the spans under it, and one "job run" line with its
// duration. Run outside any request, each query would otherwise be a trace
// of its own, a dozen one-span traces at every start that say nothing in
// APM.
func migrateJob(ctx context.Context, m migrator) error {
	return middleware.RunJob(ctx, "store.migrate", func(ctx context.Context) error { return migrate(ctx, m) })
}

func migrate(ctx context.Context, m migrator) error {
	done, err := m.applied(ctx)
	if err != nil {
		return errors.E(errors.Op("store.migrate"), "read schema_migrations", err)
	}
	for n := done + 1; n <= len(migrations); n++ {
		if err := m.apply(ctx, n, migrations[n-1]); err != nil {
			return errors.E(errors.Op("store.migrate"), fmt.Sprintf("migration %d", n), err)
		}
	}
	return nil
}

const createMigrations = `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)`

// notFound is the error of an item that is not there: expected, a 404 and
// a WARN line, never an alert. cause is the driver's "no rows".
func notFound(op errors.Op, id int, cause error) error {
	return errors.E(op, errors.NotFound, fmt.Sprintf("item %d not found", id), cause)
}

// sqliteStore keeps items in SQLite through database/sql and ddxsql.
type sqliteStore struct{ db *sql.DB }

func (s *sqliteStore) Get(ctx context.Context, id int) (item, error) {
	const op errors.Op = "sqliteStore.Get"
	it := item{ID: id}
	err := s.db.QueryRowContext(ctx, "SELECT name FROM items WHERE id = ?", id).Scan(&it.Name)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return item{}, notFound(op, id, err)
	case err != nil:
		return item{}, errors.E(op, err)
	}
	return it, nil
}

func (s *sqliteStore) Count(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM items").Scan(&n); err != nil {
		return 0, errors.E(errors.Op("sqliteStore.Count"), err)
	}
	return n, nil
}

func (s *sqliteStore) applied(ctx context.Context) (int, error) {
	if _, err := s.db.ExecContext(ctx, createMigrations); err != nil {
		return 0, err
	}
	var n int
	err := s.db.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&n)
	return n, err
}

func (s *sqliteStore) apply(ctx context.Context, n int, stmt string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }() // a no-op after Commit
	if _, err := tx.ExecContext(ctx, stmt); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version) VALUES (?)", n); err != nil {
		return err
	}
	return tx.Commit()
}

// pgStore keeps items in PostgreSQL through pgx and ddxpgx.
type pgStore struct{ pool *pgxpool.Pool }

func (s *pgStore) Get(ctx context.Context, id int) (item, error) {
	const op errors.Op = "pgStore.Get"
	it := item{ID: id}
	err := s.pool.QueryRow(ctx, "SELECT name FROM items WHERE id = $1", id).Scan(&it.Name)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return item{}, notFound(op, id, err)
	case err != nil:
		return item{}, errors.E(op, err)
	}
	return it, nil
}

func (s *pgStore) Count(ctx context.Context) (int, error) {
	var n int
	if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM items").Scan(&n); err != nil {
		return 0, errors.E(errors.Op("pgStore.Count"), err)
	}
	return n, nil
}

func (s *pgStore) applied(ctx context.Context) (int, error) {
	if _, err := s.pool.Exec(ctx, createMigrations); err != nil {
		return 0, err
	}
	var n int
	err := s.pool.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&n)
	return n, err
}

func (s *pgStore) apply(ctx context.Context, n int, stmt string) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, stmt); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version) VALUES ($1)", n)
		return err
	})
}
