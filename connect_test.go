package main

import (
	"database/sql"
	"path/filepath"
	"testing"
)

// TestWriterTransactionsBeginImmediate: with replication on, data.db has
// a second writer (Litestream's bookkeeping). A transaction that reads
// first, as a booking does (overlap check, then insert), must still be
// able to write after that writer's commit. Begun DEFERRED it could not
// (SQLITE_BUSY_SNAPSHOT, no busy wait), and PocketBase's lock retry held
// the one writer connection for 7.4 s before failing: bookings stalled
// 7.5 s at every Litestream checkpoint under load (measured: p99 7.6 s).
func TestWriterTransactionsBeginImmediate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.db")
	db, err := connectDB(2000)(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	writer := db.DB()
	writer.SetMaxOpenConns(1) // PocketBase's writer is one connection
	if _, err := writer.Exec("CREATE TABLE t (x INTEGER)"); err != nil {
		t.Fatal(err)
	}
	other, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(100)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()

	tx, err := writer.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRow("SELECT count(*) FROM t").Scan(&n); err != nil {
		t.Fatal(err)
	}
	// the other writer commits now, or (the transaction holding the write
	// lock from its start) waits and gives up: either is fine for it
	_, otherErr := other.Exec("INSERT INTO t VALUES (1)")
	if _, err := tx.Exec("INSERT INTO t VALUES (2)"); err != nil {
		t.Fatalf("the transaction's write after another writer's commit: %v (the other writer: %v)", err, otherErr)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}
