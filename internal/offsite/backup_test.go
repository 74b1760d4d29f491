package offsite_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/apptest"
	"ihome/internal/offsite"
	"ihome/internal/s3fake"
)

// TestBackupsGoToTheBucketAndRestore: with a backups bucket and a
// schedule, staff's backup (POST /api/backups) and the scheduled ones are
// objects of the bucket, the schedule keeps the newest N, and
// offsite.RestoreBackup (`ihome backup restore NAME`) brings a fresh data
// dir back to the same users, houses, orders, sessions and files.
func TestBackupsGoToTheBucketAndRestore(t *testing.T) {
	store := s3fake.New(t, "ihome-files", "ihome-backups")
	cfg := offsite.Config{Store: store.Store(), FilesBucket: "ihome-files", BackupsBucket: "ihome-backups", BackupCron: "0 3 * * *", BackupKeep: 2}
	app := apptest.New(t, withStore(cfg))
	// the backup job is scheduled at each settings load (the app of a test
	// is loaded before the modules are registered)
	if err := app.ReloadSettings(); err != nil {
		t.Fatal(err)
	}
	if b := app.Settings().Backups; b.Cron != cfg.BackupCron || b.CronMaxKeep != 2 || !b.S3.Enabled || b.S3.Bucket != "ihome-backups" {
		t.Fatalf("backup settings not laid over: %+v", b)
	}

	landlord, lc := app.NewUser(1)
	app.Verify(landlord, 1)
	var avatar struct {
		URL string `json:"avatar_url"`
	}
	lc.Upload("/api/v1.0/user/avatar", "avatar", "me.png", "image/png", apptest.PNG(t, 30, 30)).OK(t).Decode(t, &avatar)
	h := app.CreateHouse(landlord, nil)
	lc.Upload("/api/v1.0/houses/"+h.Id+"/images", "house_image", "p.png", "image/png", apptest.PNG(t, 40, 30)).OK(t)
	_, gc := app.NewUser(2)
	gc.Post("/api/v1.0/orders", map[string]any{"house_id": h.Id, "start_date": app.Today(1), "end_date": app.Today(2)}).OK(t)

	sc := app.Client()
	sc.Bearer, sc.NoCSRF = staffToken(t, app), true
	if r := sc.Post("/api/backups", map[string]any{"name": "manual.zip"}); r.Status != http.StatusNoContent {
		t.Fatalf("create backup: HTTP %d %s", r.Status, r.Body)
	}
	for i := range 3 {
		app.Settings().Meta.AppName = fmt.Sprintf("run%d", i) // distinct names within one second
		app.RunCron("__pbAutoBackup__")
	}
	var auto []string
	objects := store.Keys(t, "ihome-backups", "")
	for _, k := range objects {
		if strings.HasPrefix(k, "@auto_pb_backup_") {
			auto = append(auto, k)
		}
	}
	if len(auto) != 2 || !contains(objects, "manual.zip") || len(objects) != 3 {
		t.Fatalf("the backups bucket holds %v: want manual.zip and the 2 newest scheduled ones", objects)
	}
	if entries, _ := os.ReadDir(filepath.Join(app.DataDir(), core.LocalBackupsDirName)); len(entries) != 0 {
		t.Errorf("backups on the local disk too: %v", entries)
	}

	// `ihome backup restore manual.zip` into a fresh data dir
	fresh := apptest.New(t, withStore(cfg))
	if err := offsite.RestoreBackup(context.Background(), fresh, "nope.zip"); err == nil || !strings.Contains(err.Error(), `no backup named "nope.zip"`) {
		t.Fatalf("restore of a missing backup: %v", err)
	}
	if err := offsite.RestoreBackup(context.Background(), fresh, "manual.zip"); err != nil {
		t.Fatal(err)
	}
	restored := apptest.Open(t, fresh.DataDir(), withStore(cfg))
	for _, table := range []string{"users", "houses", "orders", "sessions", "_ihome_sequences"} {
		if a, b := dump(t, app, table), dump(t, restored, table); a != b {
			t.Errorf("%s differs after restore:\n%s\n---\n%s", table, a, b)
		}
	}
	for _, url := range []string{avatar.URL, avatar.URL + "?thumb=100x100"} {
		was, now := app.Client().Get(url), restored.Client().Get(url)
		if was.Status != http.StatusOK || now.Status != http.StatusOK || !bytes.Equal(was.Body, now.Body) {
			t.Errorf("GET %s: HTTP %d before, %d after the restore", url, was.Status, now.Status)
		}
	}
	// the session key came back with the data: the guest is still signed in
	moved := restored.Client()
	moved.SetCookie("session", gc.Cookie("session"))
	if was, now := gc.Get("/api/v1.0/orders?role=custom").OK(t), moved.Get("/api/v1.0/orders?role=custom").OK(t); !bytes.Equal(was.Data, now.Data) {
		t.Errorf("the guest's orders after the restore:\n%s\nwant\n%s", now.Data, was.Data)
	}
}

// staffToken is a superuser's token (the admin UI's staff).
func staffToken(t *testing.T, app *apptest.App) string {
	t.Helper()
	_, c := app.NewStaff()
	return c.Bearer
}

// dump is every row of table, in id order, as text.
func dump(t *testing.T, app *apptest.App, table string) string {
	t.Helper()
	order := "CAST(id AS INTEGER), id"
	if table == "_ihome_sequences" {
		order = "name"
	}
	var rows []dbx.NullStringMap
	if err := app.DB().Select("*").From(table).OrderBy(order).All(&rows); err != nil {
		t.Fatalf("%s: %v", table, err)
	}
	if len(rows) == 0 {
		t.Fatalf("%s is empty", table)
	}
	var b strings.Builder
	for _, row := range rows {
		fmt.Fprintln(&b, row)
	}
	return b.String()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestBackupWhileReplicatingStallsWritesBriefly: a backup ends with
// PRAGMA wal_checkpoint(TRUNCATE) on the writer connection, which waits,
// holding the write lock, for every reader of an older snapshot, as
// Litestream's long read transaction is, up to the busy timeout: 10 s
// without a booking (measured: 10.08 s). With replication on, the writer's
// busy timeout is 1 s while a backup runs, and restored after.
func TestBackupWhileReplicatingStallsWritesBriefly(t *testing.T) {
	store := s3fake.New(t, "ihome-backups", "ihome-replica")
	cfg := offsite.Config{Store: store.Store(), BackupsBucket: "ihome-backups", ReplicaBucket: "ihome-replica"}
	app := apptest.New(t, withStore(cfg)) // the replication starts with it
	// stop it at the end (a test app never terminates)
	t.Cleanup(func() {
		_ = app.OnTerminate().Trigger(&core.TerminateEvent{App: app}, func(*core.TerminateEvent) error { return nil })
	})
	var before, during int
	if err := app.NonconcurrentDB().NewQuery("PRAGMA busy_timeout").Row(&before); err != nil {
		t.Fatal(err)
	}
	app.OnBackupCreate().BindFunc(func(e *core.BackupEvent) error { // runs inside the offsite hook
		if err := e.App.NonconcurrentDB().NewQuery("PRAGMA busy_timeout").Row(&during); err != nil {
			return err
		}
		return e.Next()
	})

	// a reader of an old snapshot, as Litestream holds one (from its
	// first tick on; this one is there at once)
	reader, err := dbx.Open("sqlite", filepath.Join(app.DataDir(), "data.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	tx, err := reader.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.NewQuery("SELECT count(*) FROM users").Row(&n); err != nil {
		t.Fatal(err)
	}
	app.NewUser(1) // a write after the reader's snapshot

	start := time.Now()
	if err := app.CreateBackup(context.Background(), "b.zip"); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	var after int
	if err := app.NonconcurrentDB().NewQuery("PRAGMA busy_timeout").Row(&after); err != nil {
		t.Fatal(err)
	}
	if during != 1000 || after != before || before != 10000 {
		t.Errorf("writer busy timeout: %d ms before, %d during the backup, %d after", before, during, after)
	}
	if took > 5*time.Second {
		t.Errorf("the backup held the write lock for %s", took)
	}
	if !contains(store.Keys(t, "ihome-backups", ""), "b.zip") {
		t.Error("no backup in the bucket")
	}

	// the live restore would swap the data dir under Litestream: refused,
	// with the way to do it
	sc := app.Client()
	sc.Bearer, sc.NoCSRF = staffToken(t, app), true
	r := sc.Post("/api/backups/b.zip/restore", nil)
	if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "ihome backup restore NAME") {
		t.Errorf("live restore while replicating: HTTP %d %s", r.Status, r.Body)
	}
	if err := app.RestoreBackup(context.Background(), "b.zip"); !errors.Is(err, offsite.ErrRestoreWhileReplicating) {
		t.Errorf("app.RestoreBackup while replicating: %v", err)
	}
}
