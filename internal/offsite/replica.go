package offsite

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/benbjohnson/litestream"
	lss3 "github.com/benbjohnson/litestream/s3"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/filesystem"
	"github.com/pocketbase/pocketbase/tools/hook"
)

// Hook ids of the replication.
const (
	ReplicaStartHookId = "ihome.offsite.replicaStart"
	ReplicaStopHookId  = "ihome.offsite.replicaStop"
)

// dbFile is PocketBase's main database in the data dir; auxiliary.db
// (the request log) is not replicated: it can be lost.
const dbFile = "data.db"

// sideFiles are the data dir's files, besides the databases and the
// uploaded files, that a restore needs: without session.key every
// session token in the restored sessions table would be refused.
var sideFiles = [...]string{"session.key"}

// MetaDir is Litestream's working directory beside data.db (its local
// LTX files and position); a backup leaves it out.
const MetaDir = "." + dbFile + litestream.MetaDirSuffix

// stopTimeout bounds the final sync at a graceful stop.
const stopTimeout = 15 * time.Second

// dbKey is the replica's key prefix for data.db.
func (c Config) dbKey() string { return c.ReplicaPath + "/" + dbFile }

// client is Litestream's S3 client for the replica.
func (c Config) client() *lss3.ReplicaClient {
	cl := lss3.NewReplicaClient()
	cl.Bucket = c.ReplicaBucket
	cl.Path = c.dbKey()
	cl.Endpoint = c.Store.Endpoint
	cl.Region = c.Store.Region
	cl.AccessKeyID = c.Store.AccessKey
	cl.SecretAccessKey = c.Store.Secret
	cl.ForcePathStyle = c.Store.PathStyle
	return cl
}

// bucket opens PocketBase's S3 filesystem on one of the store's buckets.
func (c Config) bucket(name string) (*filesystem.System, error) {
	s := c.Store
	return filesystem.NewS3(name, s.Region, s.Endpoint, s.AccessKey, s.Secret, s.PathStyle)
}

// replica is the running replication of one data dir.
type replica struct {
	store *litestream.Store
	db    *litestream.DB
	stop  chan struct{} // ends keepSideFiles
	done  chan struct{} // keepSideFiles ended
}

// bindReplica starts the replication when the server starts, and stops
// it, after a last sync, when the process ends gracefully. A kill -9
// loses at most the writes of the last SyncInterval.
func bindReplica(app core.App, cfg Config) {
	var running atomic.Pointer[replica]
	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
		Id: ReplicaStartHookId,
		Func: func(e *core.ServeEvent) error {
			r, err := startReplica(e.App, cfg)
			if err != nil {
				return err
			}
			running.Store(r)
			// PocketBase's nightly TRUNCATE checkpoint would wait, holding
			// the write lock, for Litestream's read transaction: up to the
			// busy timeout without a write. Litestream checkpoints data.db
			// itself; the job keeps the rest.
			return errors.Join(e.App.Cron().Add("__pbDBOptimize__", "0 0 * * *", func() {
				_, _ = e.App.AuxNonconcurrentDB().NewQuery("PRAGMA wal_checkpoint(TRUNCATE)").Execute()
				_, _ = e.App.NonconcurrentDB().NewQuery("PRAGMA optimize").Execute()
			}), e.Next())
		},
		Priority: -100, // before the routes: no request is served unreplicated
	})
	app.OnTerminate().Bind(&hook.Handler[*core.TerminateEvent]{
		Id: ReplicaStopHookId,
		Func: func(e *core.TerminateEvent) error {
			// PocketBase closes its connections first: closing Litestream's
			// file handle on data.db drops every POSIX lock the process holds
			// on it (Litestream's README, "Lifecycle Management").
			err := e.Next()
			if r := running.Swap(nil); r != nil {
				err = errors.Join(err, r.close())
			}
			return err
		},
		Priority: -1000, // outermost: e.Next() runs the others and the close
	})
}

// startReplica checks the store, then starts Litestream on data.db.
func startReplica(app core.App, cfg Config) (*replica, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client := cfg.client()
	if err := checkReplicaStore(ctx, client); err != nil {
		return nil, err
	}

	// warnings and errors to the admin UI's logs and to stderr
	logger := slog.New(minLevel{slog.NewMultiHandler(app.Logger().Handler(), slog.Default().Handler()), slog.LevelWarn}).
		With("component", "litestream")
	client.SetLogger(logger)
	db := litestream.NewDB(filepath.Join(app.DataDir(), dbFile))
	rep := litestream.NewReplicaWithClient(db, client)
	// A write is seen within half an interval and shipped within the
	// next half, so it is in the store one interval after its commit
	// (plus the upload itself).
	db.MonitorInterval = cfg.SyncInterval / 2
	rep.SyncInterval = cfg.SyncInterval / 2
	db.Replica = rep
	store := litestream.NewStore([]*litestream.DB{db}, litestream.DefaultCompactionLevels)
	store.Logger = logger
	db.SetLogger(logger)
	if err := store.Open(ctx); err != nil {
		return nil, fmt.Errorf("replica: start Litestream: %w", err)
	}
	r := &replica{store: store, db: db, stop: make(chan struct{}), done: make(chan struct{})}
	go r.keepSideFiles(app, cfg)
	return r, nil
}

// checkReplicaStore lists the replica's prefix, so wrong keys, a wrong
// endpoint or a missing bucket stop the start with the store's answer
// instead of a log line a minute later.
func checkReplicaStore(ctx context.Context, client *lss3.ReplicaClient) error {
	if err := initClient(ctx, client); err != nil {
		return err
	}
	itr, err := client.LTXFiles(ctx, 0, 0, false)
	if err == nil {
		itr.Next()
		err = errors.Join(itr.Err(), itr.Close())
	}
	if err != nil {
		return fmt.Errorf("replica store s3://%s/%s: %w", client.Bucket, client.Path, err)
	}
	return nil
}

// initClient initializes Litestream's S3 client. The AWS SDK refuses to
// load when AWS_CA_BUNDLE is set and the caller brings its own HTTP
// client, as Litestream does ("unable to add custom RootCAs HTTPClient");
// Go's TLS reads SSL_CERT_FILE and SSL_CERT_DIR for the same purpose, so
// the variable is dropped from the process, with a warning.
func initClient(ctx context.Context, client *lss3.ReplicaClient) error {
	if v, ok := os.LookupEnv("AWS_CA_BUNDLE"); ok {
		slog.Warn("replica: AWS_CA_BUNDLE is ignored (Litestream's S3 client cannot use it); give extra CAs with SSL_CERT_FILE", "AWS_CA_BUNDLE", v)
		if err := os.Unsetenv("AWS_CA_BUNDLE"); err != nil {
			return err
		}
	}
	if err := client.Init(ctx); err != nil {
		return fmt.Errorf("replica store: %w", err)
	}
	return nil
}

// close stops Litestream after a last sync of data.db to the store.
func (r *replica) close() error {
	close(r.stop)
	<-r.done
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	// Litestream reads the database at its first tick: stopped before
	// it, its Close would skip the last sync and drop what was written.
	return errors.Join(r.db.Sync(ctx), r.store.Close(ctx))
}

// keepSideFiles copies each side file to the store once it exists (the
// session key is made at the first login) and differs from the stored
// copy; the files never change after that.
func (r *replica) keepSideFiles(app core.App, cfg Config) {
	defer close(r.done)
	left := map[string]bool{}
	for _, name := range sideFiles {
		left[name] = true
	}
	ticker := time.NewTicker(cfg.SyncInterval)
	defer ticker.Stop()
	for len(left) > 0 {
		for name := range left {
			switch err := copySideFile(app, cfg, name); {
			case err == nil:
				delete(left, name)
			case !errors.Is(err, os.ErrNotExist):
				app.Logger().Warn("replica: copy side file", "file", name, "error", err)
			}
		}
		select {
		case <-r.stop:
			return
		case <-ticker.C:
		}
	}
}

func copySideFile(app core.App, cfg Config, name string) error {
	data, err := os.ReadFile(filepath.Join(app.DataDir(), name))
	if err != nil {
		return err
	}
	fsys, err := cfg.bucket(cfg.ReplicaBucket)
	if err != nil {
		return err
	}
	defer fsys.Close()
	key := cfg.ReplicaPath + "/" + name
	if rd, err := fsys.GetReader(key); err == nil {
		stored, err := io.ReadAll(rd)
		rd.Close()
		if err == nil && bytes.Equal(stored, data) {
			return nil
		}
	}
	return fsys.Upload(data, key)
}

// minLevel passes on the records at or above min: Litestream reports
// every compaction at Info, which would fill PocketBase's log table.
type minLevel struct {
	slog.Handler
	min slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(attrs []slog.Attr) slog.Handler {
	return minLevel{h.Handler.WithAttrs(attrs), h.min}
}

func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{h.Handler.WithGroup(name), h.min}
}
