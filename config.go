package main

import (
	"fmt"
	"net/http"
	"net/http/pprof"
	"os"
	"strconv"
	"time"

	"github.com/pocketbase/dbx"
)

// env, envInt and envDuration give flag defaults from IHOME_* variables,
// so a deployment can configure the binary without arguments. An unset or
// empty variable gives the default; a value that does not parse stops the
// program (badConfig): a typo must not quietly run the service on a default.
func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

func envInt(name string, def int) int {
	v := env(name, "")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		badConfig("%s=%q: not an integer", name, v)
	}
	return n
}

func envDuration(name string, def time.Duration) time.Duration {
	v := env(name, "")
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		badConfig("%s=%q: not a duration (like 90s, 10m or 168h)", name, v)
	}
	return d
}

// badConfig refuses to start: it names the bad setting and exits with
// status 2, before anything is opened or served.
func badConfig(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "ihome: bad configuration: "+format+"\n", args...)
	os.Exit(2)
}

// connectDB returns PocketBase's DBConnect: it opens a database the way
// PocketBase does, with a smaller page cache per connection (cacheKB,
// IHOME_DB_CACHE_KB, 2 MB by default). Transactions begin IMMEDIATE: with
// a second writer on data.db (the replication's Litestream), a deferred
// transaction that read first could not take the write lock after that
// writer's commit (SQLITE_BUSY_SNAPSHOT, no busy wait), and PocketBase
// retried the statement for 7.4 s, holding every booking behind it.
func connectDB(cacheKB int) func(path string) (*dbx.DB, error) {
	pragmas := "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=journal_size_limit(200000000)" +
		"&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)&_pragma=temp_store(MEMORY)" +
		"&_pragma=cache_size(-" + strconv.Itoa(cacheKB) + ")&_defensive=1&_txlock=immediate"
	return func(path string) (*dbx.DB, error) {
		return dbx.Open("sqlite", path+pragmas)
	}
}

// pprofMux serves net/http/pprof's handlers (IHOME_PPROF=127.0.0.1:6060).
func pprofMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	return mux
}
