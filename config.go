package main

import (
	"net/http"
	"net/http/pprof"
	"os"
	"strconv"
	"time"

	"github.com/pocketbase/dbx"
)

// env, envInt and envDuration give flag defaults from IHOME_* variables,
// so a deployment can configure the binary without arguments.
func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(env(name, "")); err == nil {
		return n
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(env(name, "")); err == nil {
		return d
	}
	return def
}

// connectDB opens a database the way PocketBase does, with a smaller page
// cache per connection (IHOME_DB_CACHE_KB, 2 MB by default).
func connectDB(path string) (*dbx.DB, error) {
	pragmas := "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=journal_size_limit(200000000)" +
		"&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)&_pragma=temp_store(MEMORY)" +
		"&_pragma=cache_size(-" + strconv.Itoa(envInt("IHOME_DB_CACHE_KB", 2000)) + ")&_defensive=1"
	return dbx.Open("sqlite", path+pragmas)
}

// pprofMux serves net/http/pprof's handlers (IHOME_PPROF=127.0.0.1:6060).
func pprofMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	return mux
}
