// Package offsite keeps iHome's data off the box, on S3-compatible
// storage (AWS S3, Aliyun OSS, MinIO):
//
//   - uploaded files (avatars, house pictures, their thumbnails) through
//     PocketBase's own S3 file storage, so /api/files/... serves them
//     from the bucket;
//   - PocketBase's backups (on demand, or on a cron schedule keeping the
//     newest N) in a bucket of their own;
//   - data.db replicated continuously with Litestream, embedded in the
//     process (replica.go), and brought back by Restore.
//
// One store (endpoint, region, keys, addressing style) serves all three;
// each is switched on by naming its bucket. The settings come from flags
// or IHOME_* variables and are laid over PocketBase's stored settings at
// every settings load, so the admin UI shows them; a half-configured store
// is refused at start-up (Config.Validate).
package offsite

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/cron"
	"github.com/pocketbase/pocketbase/tools/hook"
)

// Defaults of Config.
const (
	DefaultReplicaPath  = "ihome"
	DefaultSyncInterval = time.Second
	DefaultBackupKeep   = 7
	// MinSyncInterval bounds SyncInterval below: every interval costs
	// up to two uploads while writes go on.
	MinSyncInterval = 100 * time.Millisecond
)

// Store is an S3-compatible object store.
type Store struct {
	// Endpoint is the store's URL: https://oss-cn-hangzhou.aliyuncs.com,
	// https://s3.us-east-1.amazonaws.com, http://127.0.0.1:9000.
	Endpoint  string
	Region    string // oss-cn-hangzhou, us-east-1…
	AccessKey string
	Secret    string
	// PathStyle addresses buckets as endpoint/bucket/key (MinIO, tests)
	// instead of bucket.endpoint/key (AWS, Aliyun OSS).
	PathStyle bool
}

// Config says what lives in the store. Empty buckets switch nothing on.
type Config struct {
	Store Store

	// FilesBucket holds uploaded files (PocketBase's Settings().S3).
	FilesBucket string

	// BackupsBucket holds PocketBase's backups (Settings().Backups.S3).
	// PocketBase lists every object of that bucket as a backup, so it
	// must be a bucket of its own.
	BackupsBucket string
	// BackupCron schedules backups ("0 3 * * *"); empty leaves the
	// schedule set in the admin UI alone.
	BackupCron string
	// BackupKeep is how many scheduled backups are kept (the newest).
	BackupKeep int

	// ReplicaBucket switches on the continuous replication of data.db;
	// it may be the files bucket (the replica lives under ReplicaPath).
	ReplicaBucket string
	// ReplicaPath is the key prefix of the replica: Litestream's files
	// under <path>/data.db/, the session key as <path>/session.key.
	ReplicaPath string
	// SyncInterval bounds the recovery point: a write committed more than
	// one interval before the machine is lost is in the replica.
	SyncInterval time.Duration
}

// Files reports whether uploaded files live in the store.
func (c Config) Files() bool { return c.FilesBucket != "" }

// Backups reports whether PocketBase's backups go to the store.
func (c Config) Backups() bool { return c.BackupsBucket != "" }

// Replicating reports whether data.db is replicated to the store.
func (c Config) Replicating() bool { return c.ReplicaBucket != "" }

func (c Config) anyBucket() bool { return c.Files() || c.Backups() || c.Replicating() }

// withDefaults fills the zero fields.
func (c Config) withDefaults() Config {
	if c.ReplicaPath == "" {
		c.ReplicaPath = DefaultReplicaPath
	}
	c.ReplicaPath = strings.Trim(c.ReplicaPath, "/")
	if c.SyncInterval == 0 {
		c.SyncInterval = DefaultSyncInterval
	}
	if c.BackupKeep == 0 {
		c.BackupKeep = DefaultBackupKeep
	}
	return c
}

// Validate refuses a half-configured store, naming the flag (and its
// environment variable) to set.
func (c Config) Validate() error {
	c = c.withDefaults()
	s := c.Store
	var errs []error
	if c.anyBucket() {
		for _, f := range []struct{ value, flag, env string }{
			{s.Endpoint, "--s3-endpoint", "IHOME_S3_ENDPOINT"},
			{s.Region, "--s3-region", "IHOME_S3_REGION"},
			{s.AccessKey, "--s3-access-key", "IHOME_S3_ACCESS_KEY"},
			{s.Secret, "--s3-secret", "IHOME_S3_SECRET"},
		} {
			if strings.TrimSpace(f.value) == "" {
				errs = append(errs, fmt.Errorf("%s (%s) is empty, but a bucket is set", f.flag, f.env))
			}
		}
		if u, err := url.Parse(s.Endpoint); s.Endpoint != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
			errs = append(errs, fmt.Errorf("--s3-endpoint (IHOME_S3_ENDPOINT) %q is not an http(s) URL", s.Endpoint))
		}
	} else if s.Endpoint != "" || s.AccessKey != "" || s.Secret != "" {
		errs = append(errs, errors.New("an S3 store is configured but no bucket: set --s3-bucket (IHOME_S3_BUCKET), --backup-s3-bucket (IHOME_BACKUP_S3_BUCKET) or --replica-bucket (IHOME_REPLICA_BUCKET)"))
	}
	if c.Backups() && c.BackupsBucket == c.FilesBucket {
		errs = append(errs, errors.New("--backup-s3-bucket must differ from --s3-bucket: PocketBase lists every object of the backups bucket as a backup"))
	}
	if c.Backups() && c.BackupsBucket == c.ReplicaBucket {
		errs = append(errs, errors.New("--backup-s3-bucket must differ from --replica-bucket: PocketBase lists every object of the backups bucket as a backup"))
	}
	if c.BackupCron != "" {
		if _, err := cron.NewSchedule(c.BackupCron); err != nil {
			errs = append(errs, fmt.Errorf("--backup-cron (IHOME_BACKUP_CRON) %q: %w", c.BackupCron, err))
		}
	}
	if c.BackupKeep < 1 {
		errs = append(errs, fmt.Errorf("--backup-keep (IHOME_BACKUP_KEEP) is %d, it must be 1 or more", c.BackupKeep))
	}
	if c.SyncInterval < MinSyncInterval {
		errs = append(errs, fmt.Errorf("--replica-sync-interval (IHOME_REPLICA_SYNC_INTERVAL) is %s, it must be %s or more", c.SyncInterval, MinSyncInterval))
	}
	if c.ReplicaPath == "" || strings.Contains(c.ReplicaPath, "//") {
		errs = append(errs, fmt.Errorf("--replica-path (IHOME_REPLICA_PATH) %q is not a key prefix", c.ReplicaPath))
	}
	return errors.Join(errs...)
}

// Register validates cfg and binds it to app: the settings overlay and
// the backup hooks now, the replication when the server starts (the
// other commands, seed or superuser, do not replicate). It does no
// database work; an app already bootstrapped gets the settings at once.
func Register(app core.App, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("S3 storage: %w", err)
	}
	cfg = cfg.withDefaults()
	if !cfg.anyBucket() && cfg.BackupCron == "" {
		return nil
	}
	bindSettings(app, cfg)
	bindBackups(app, cfg)
	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
		Id:       StoreCheckHookId,
		Func:     func(e *core.ServeEvent) error { return errors.Join(cfg.check(), e.Next()) },
		Priority: -101, // before the replica starts
	})
	if cfg.Replicating() {
		bindReplica(app, cfg)
	}
	return nil
}

// StoreCheckHookId is the start-up check of the buckets.
const StoreCheckHookId = "ihome.offsite.storeCheck"

// check lists a prefix of the files and backups buckets, so wrong keys,
// a wrong endpoint or a missing bucket stop the server's start with the
// store's answer instead of failing the first upload.
func (c Config) check() error {
	var errs []error
	for _, b := range []struct{ flag, bucket string }{
		{"--s3-bucket", c.FilesBucket},
		{"--backup-s3-bucket", c.BackupsBucket},
	} {
		if b.bucket == "" {
			continue
		}
		fsys, err := c.bucket(b.bucket)
		if err == nil {
			fsys.SetContext(context.Background())
			_, err = fsys.List("ihome-start-check/")
			fsys.Close()
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %s at %s: %w", b.flag, b.bucket, c.Store.Endpoint, err))
		}
	}
	return errors.Join(errs...)
}
