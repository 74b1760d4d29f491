package api_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/api"
	"ihome/internal/apptest"
	"ihome/internal/session"
	"ihome/modules/order"
	"ihome/modules/user"
)

// requestLogs reads the request entries of PocketBase's activity log.
// PocketBase batches log writes (a few seconds after the last entry) in
// one transaction: a test waits on the writes instead of sleeping.
type requestLogs struct {
	app     *apptest.App
	written chan struct{}
}

func watchRequestLogs(app *apptest.App) *requestLogs {
	app.Settings().Logs.MaxDays = 7 // PocketBase's test app turns the log off
	w := &requestLogs{app: app, written: make(chan struct{}, 1)}
	// The batch reuses one model for all its entries, so the event says only
	// that entries were committed: they are read from the table.
	app.OnModelAfterCreateSuccess(core.LogsTableName).BindFunc(func(e *core.ModelEvent) error {
		select {
		case w.written <- struct{}{}:
		default:
		}
		return e.Next()
	})
	return w
}

// waitFor returns the request entries by "METHOD url" once there is one
// for each of keys; it fails the test when they do not come.
func (w *requestLogs) waitFor(t *testing.T, keys ...string) map[string]*core.Log {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		got := map[string]*core.Log{}
		var all []*core.Log
		if err := w.app.LogQuery().AndWhere(dbx.NewExp("json_extract(data, '$.type') = 'request'")).All(&all); err != nil {
			t.Fatal(err)
		}
		for _, l := range all {
			got[fmt.Sprint(l.Data["method"], " ", l.Data["url"])] = l
		}
		var missing []string
		for _, k := range keys {
			if got[k] == nil {
				missing = append(missing, k)
			}
		}
		if len(missing) == 0 {
			return got
		}
		select {
		case <-w.written:
		case <-timeout:
			t.Fatalf("no log entry for %v (got %v)", missing, got)
		}
	}
}

// logErrno is the errno the envelope recorded in a log entry's meta.
func logErrno(l *core.Log) string {
	meta, _ := l.Data["meta"].(map[string]any)
	s, _ := meta["errno"].(string)
	return s
}

// A refused write and a failed read reach PocketBase's activity log as
// errors, with the errno in the entry's meta; a successful read is not
// logged (API.md §1.1; issue 11 item 16).
func TestFailedRequestsAreLoggedWithTheirErrno(t *testing.T) {
	app := apptest.New(t)
	logs := watchRequestLogs(app)
	c := app.Client()

	c.Get("/api/v1.0/areas").OK(t) // made first: its entry, if any, would not come last
	c.Get("/api/v1.0/user").Expect(t, http.StatusOK, "4101")
	r := c.Malformed().Post("/api/v1.0/session", map[string]any{"mobile": "12"}).Expect(t, http.StatusOK, "4103")
	if !json.Valid(r.Body) { // one envelope: PocketBase did not add its own error body
		t.Fatalf("body %s", r.Body)
	}
	c.Malformed().Get("/api/v1.0/nope").Expect(t, http.StatusNotFound, "4002")

	got := logs.waitFor(t, "GET /api/v1.0/user", "POST /api/v1.0/session", "GET /api/v1.0/nope")
	for key, want := range map[string]string{
		"GET /api/v1.0/user": "4101", "POST /api/v1.0/session": "4103", "GET /api/v1.0/nope": "4002",
	} {
		l := got[key]
		if logErrno(l) != want || l.Level != int(slog.LevelError) || l.Data["error"] == nil {
			t.Errorf("%s: level %d data %v, want errno %s and an error", key, l.Level, l.Data, want)
		}
	}
	if l := got["GET /api/v1.0/areas"]; l != nil {
		t.Errorf("a successful read was logged: %v", l.Data)
	}
}

// One rule for faults (issue 11 item 17): a database fault is 4001, a file
// fault 4302, anything unexpected 500 + 4500, whichever handler meets it,
// and each is logged with its cause (never sent).
func TestFaultsGetOneAnswer(t *testing.T) {
	exec := func(t *testing.T, app *apptest.App, sql string) {
		t.Helper()
		if _, err := app.NonconcurrentDB().NewQuery(sql).Execute(); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	// a file where the users' upload directory goes: the disk refuses the
	// write as it would when full or read-only (tests run as root, which
	// ignores permissions)
	usersDirIsAFile := func(t *testing.T, app *apptest.App) {
		t.Helper()
		users, err := app.FindCollectionByNameOrId(user.Collection)
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(app.DataDir(), core.LocalStorageDirName, users.Id)
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dir, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	avatar := func(t *testing.T, c *apptest.Client) *apptest.Response {
		return c.Upload("/api/v1.0/user/avatar", "avatar", "a.png", "image/png", apptest.PNG(t, 8, 8))
	}
	cases := []struct {
		name   string
		fault  func(*testing.T, *apptest.App)
		send   func(*testing.T, *apptest.App, *apptest.Client) *apptest.Response
		key    string // the request's activity log entry
		status int
		errno  string
		cause  string // in the log entry, never in the answer
	}{
		{
			name: "database fault in a login (no sessions table)",
			fault: func(t *testing.T, app *apptest.App) {
				exec(t, app, "ALTER TABLE "+session.Collection+" RENAME TO gone")
			},
			send: func(t *testing.T, app *apptest.App, c *apptest.Client) *apptest.Response {
				return app.Client().Post("/api/v1.0/session", map[string]any{"mobile": apptest.Mobile(1), "password": apptest.DefaultPassword})
			},
			key: "POST /api/v1.0/session", status: http.StatusOK, errno: "4001", cause: "no such table",
		},
		{
			name: "database fault in an upload (users refuse writes)",
			fault: func(t *testing.T, app *apptest.App) {
				exec(t, app, "CREATE TRIGGER refuse BEFORE UPDATE ON "+user.Collection+" BEGIN SELECT RAISE(ABORT, 'writes refused'); END")
			},
			send: func(t *testing.T, _ *apptest.App, c *apptest.Client) *apptest.Response { return avatar(t, c) },
			key:  "POST /api/v1.0/user/avatar", status: http.StatusOK, errno: "4001", cause: "writes refused",
		},
		{
			name:  "file fault in an upload (no room for the file)",
			fault: usersDirIsAFile,
			send:  func(t *testing.T, _ *apptest.App, c *apptest.Client) *apptest.Response { return avatar(t, c) },
			key:   "POST /api/v1.0/user/avatar", status: http.StatusOK, errno: "4302", cause: "not a directory",
		},
		{
			name:  "database fault in a read (no orders table)",
			fault: func(t *testing.T, app *apptest.App) { exec(t, app, "ALTER TABLE "+order.Collection+" RENAME TO gone") },
			send: func(t *testing.T, _ *apptest.App, c *apptest.Client) *apptest.Response {
				return c.Get("/api/v1.0/orders?role=custom")
			},
			key: "GET /api/v1.0/orders?role=custom", status: http.StatusOK, errno: "4001", cause: "no such table",
		},
		{
			name:  "unexpected fault",
			fault: func(*testing.T, *apptest.App) {},
			send: func(t *testing.T, _ *apptest.App, c *apptest.Client) *apptest.Response {
				return c.Get("/api/v1.0/test/unexpected")
			},
			key: "GET /api/v1.0/test/unexpected", status: http.StatusInternalServerError, errno: "4500", cause: "out of cheese",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			app := apptest.New(t, func(s *apptest.Setup) {
				s.Routes = func(a *api.API) {
					a.Public(http.MethodGet, "/test/unexpected", func(*core.RequestEvent) error {
						return fmt.Errorf("wrapped: %w", errors.New("out of cheese"))
					})
				}
			})
			_, c := app.NewUser(1)
			logs := watchRequestLogs(app)
			tc.fault(t, app)
			r := tc.send(t, app, c).Expect(t, tc.status, tc.errno)
			if strings.Contains(string(r.Body), tc.cause) {
				t.Fatalf("the answer shows the cause: %s", r.Body)
			}
			l := logs.waitFor(t, tc.key)[tc.key]
			if logErrno(l) != tc.errno || !strings.Contains(fmt.Sprint(l.Data["error"], l.Data["details"]), tc.cause) {
				t.Fatalf("log entry %v: want errno %s and cause %q", l.Data, tc.errno, tc.cause)
			}
		})
	}
}
