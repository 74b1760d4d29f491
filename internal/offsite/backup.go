package offsite

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/archive"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/osutils"
	"github.com/pocketbase/pocketbase/tools/security"
)

// ErrRestoreWhileReplicating refuses PocketBase's live restore (admin UI,
// POST /api/backups/{name}/restore) while data.db is replicated: it swaps
// the data dir under the running Litestream.
var ErrRestoreWhileReplicating = errors.New("data.db is being replicated: stop the server and run `ihome backup restore NAME` instead")

// isRestorePath reports whether path is PocketBase's live-restore route,
// /api/backups/{key}/restore.
func isRestorePath(path string) bool {
	key, ok := strings.CutPrefix(path, "/api/backups/")
	key, ok2 := strings.CutSuffix(key, "/restore")
	return ok && ok2 && key != "" && !strings.Contains(key, "/")
}

// backupBusyTimeoutMs is the writer's busy timeout while a backup runs with
// replication on (see bindBackups).
const backupBusyTimeoutMs = 1000

// bindBackups leaves Litestream's working directory out of backups and,
// while replicating, refuses the live restore and shortens the stall of
// the backup's closing checkpoint.
func bindBackups(app core.App, cfg Config) {
	app.OnBackupCreate().Bind(&hook.Handler[*core.BackupEvent]{
		Id: BackupCreateHookId,
		Func: func(e *core.BackupEvent) error {
			e.Exclude = append(e.Exclude, MetaDir)
			if !cfg.Replicating() {
				return e.Next()
			}
			// The backup ends with PRAGMA wal_checkpoint(TRUNCATE) on the
			// writer connection, which holds the write lock while it waits
			// for Litestream's read transaction, up to the busy timeout
			// (10 s): no booking commits meanwhile. Litestream's own write
			// locks last milliseconds, so one second is plenty while the
			// backup runs. (NonconcurrentDB is one connection.)
			db := e.App.NonconcurrentDB()
			var was int
			if err := db.NewQuery("PRAGMA busy_timeout").Row(&was); err != nil {
				return err
			}
			if _, err := db.NewQuery(fmt.Sprintf("PRAGMA busy_timeout = %d", backupBusyTimeoutMs)).Execute(); err != nil {
				return err
			}
			defer db.NewQuery(fmt.Sprintf("PRAGMA busy_timeout = %d", was)).Execute()
			return e.Next()
		},
	})
	if cfg.Replicating() {
		// PocketBase answers the restore request before it runs the
		// restore: the refusal must come from the route to be seen.
		app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
			Id: BackupRestoreHookId,
			Func: func(e *core.ServeEvent) error {
				e.Router.BindFunc(func(re *core.RequestEvent) error {
					if re.Request.Method == http.MethodPost && isRestorePath(re.Request.URL.Path) {
						return re.BadRequestError(ErrRestoreWhileReplicating.Error(), nil)
					}
					return re.Next()
				})
				return e.Next()
			},
		})
		app.OnBackupRestore().Bind(&hook.Handler[*core.BackupEvent]{
			Id: BackupRestoreHookId,
			Func: func(e *core.BackupEvent) error {
				return ErrRestoreWhileReplicating
			},
		})
	}
}

// RestoreBackup replaces the content of app's data dir with the backup
// name, from the backups bucket (or pb_data/backups), as PocketBase's
// restore does, for a server that is stopped: download, extract, check
// that data.db is there, close app's databases, move the current content
// to pb_data/.pb_temp_to_delete (removed at the next start) and the
// backup's in. The backups directory stays. With uploaded files in a
// bucket, the files are not in the backup and stay where they are.
func RestoreBackup(ctx context.Context, app core.App, name string) error {
	fsys, err := app.NewBackupsFilesystem()
	if err != nil {
		return err
	}
	defer fsys.Close()
	fsys.SetContext(ctx)
	if ok, err := fsys.Exists(name); err != nil {
		return fmt.Errorf("backup %q: %w", name, err)
	} else if !ok {
		return fmt.Errorf("no backup named %q", name)
	}

	temp := filepath.Join(app.DataDir(), core.LocalTempDirName)
	if err := os.MkdirAll(temp, 0o755); err != nil {
		return err
	}
	zipFile, err := os.CreateTemp(temp, "restore_*.zip")
	if err != nil {
		return err
	}
	defer os.Remove(zipFile.Name())
	rd, err := fsys.GetReader(name)
	if err != nil {
		zipFile.Close()
		return fmt.Errorf("backup %q: %w", name, err)
	}
	_, err = io.Copy(zipFile, rd)
	err = errors.Join(err, rd.Close(), zipFile.Close())
	if err != nil {
		return fmt.Errorf("download backup %q: %w", name, err)
	}
	extracted := filepath.Join(temp, "restore_"+security.PseudorandomString(8))
	defer os.RemoveAll(extracted)
	if err := archive.Extract(zipFile.Name(), extracted); err != nil {
		return fmt.Errorf("extract backup %q: %w", name, err)
	}
	if _, err := os.Stat(filepath.Join(extracted, dbFile)); err != nil {
		return fmt.Errorf("backup %q has no %s", name, dbFile)
	}

	if err := app.ResetBootstrapState(); err != nil {
		return err
	}
	keep := []string{core.LocalBackupsDirName, core.LocalTempDirName}
	old := filepath.Join(temp, "old_pb_data_"+security.PseudorandomString(8))
	if err := osutils.MoveDirContent(app.DataDir(), old, keep...); err != nil {
		return fmt.Errorf("move the current data aside: %w", err)
	}
	if err := osutils.MoveDirContent(extracted, app.DataDir(), keep...); err != nil {
		return errors.Join(fmt.Errorf("move the backup in: %w", err),
			osutils.MoveDirContent(old, app.DataDir(), keep...))
	}
	return nil
}
