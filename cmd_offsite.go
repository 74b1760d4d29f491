package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/pocketbase/pocketbase"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"ihome/internal/offsite"
)

// offsiteFlags declares the S3 store, backup and replication flags, with
// their IHOME_* defaults (README "Data off the box").
func offsiteFlags(flags *pflag.FlagSet) *offsite.Config {
	c := &offsite.Config{}
	flags.StringVar(&c.Store.Endpoint, "s3-endpoint", env("IHOME_S3_ENDPOINT", ""), "S3-compatible store, e.g. https://oss-cn-hangzhou.aliyuncs.com [IHOME_S3_ENDPOINT]")
	flags.StringVar(&c.Store.Region, "s3-region", env("IHOME_S3_REGION", ""), "the store's region, e.g. oss-cn-hangzhou [IHOME_S3_REGION]")
	flags.StringVar(&c.Store.AccessKey, "s3-access-key", env("IHOME_S3_ACCESS_KEY", ""), "access key id [IHOME_S3_ACCESS_KEY]")
	flags.StringVar(&c.Store.Secret, "s3-secret", env("IHOME_S3_SECRET", ""), "secret key; prefer the variable, a flag shows in ps [IHOME_S3_SECRET]")
	flags.BoolVar(&c.Store.PathStyle, "s3-path-style", envBool("IHOME_S3_PATH_STYLE", false), "address buckets as endpoint/bucket (MinIO) instead of bucket.endpoint (AWS, OSS) [IHOME_S3_PATH_STYLE]")
	flags.StringVar(&c.FilesBucket, "s3-bucket", env("IHOME_S3_BUCKET", ""), "keep uploaded files (avatars, pictures, thumbnails) in this bucket [IHOME_S3_BUCKET]")
	flags.StringVar(&c.BackupsBucket, "backup-s3-bucket", env("IHOME_BACKUP_S3_BUCKET", ""), "keep backups in this bucket of the same store (not the files bucket) [IHOME_BACKUP_S3_BUCKET]")
	flags.StringVar(&c.BackupCron, "backup-cron", env("IHOME_BACKUP_CRON", ""), "take a backup on this schedule, e.g. \"0 3 * * *\" [IHOME_BACKUP_CRON]")
	flags.IntVar(&c.BackupKeep, "backup-keep", envInt("IHOME_BACKUP_KEEP", offsite.DefaultBackupKeep), "scheduled backups kept (the newest) [IHOME_BACKUP_KEEP]")
	flags.StringVar(&c.ReplicaBucket, "replica-bucket", env("IHOME_REPLICA_BUCKET", ""), "replicate data.db continuously (Litestream) to this bucket [IHOME_REPLICA_BUCKET]")
	flags.StringVar(&c.ReplicaPath, "replica-path", env("IHOME_REPLICA_PATH", offsite.DefaultReplicaPath), "key prefix of the replica in its bucket [IHOME_REPLICA_PATH]")
	flags.DurationVar(&c.SyncInterval, "replica-sync-interval", envDuration("IHOME_REPLICA_SYNC_INTERVAL", offsite.DefaultSyncInterval), "a write is in the replica this long after its commit (the recovery point) [IHOME_REPLICA_SYNC_INTERVAL]")
	return c
}

func envBool(name string, def bool) bool {
	v := env(name, "")
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		badConfig("%s=%q: not a boolean (true or false)", name, v)
	}
	return b
}

// restoreCommand is `ihome restore`: an empty data dir brought back from
// the Litestream replica.
func restoreCommand(app *pocketbase.PocketBase, cfg *offsite.Config) *cobra.Command {
	// PocketBase opens the data dir (making an empty data.db) before a
	// command runs: whether there was data is known only now.
	_, err := os.Stat(filepath.Join(app.DataDir(), "data.db"))
	hadData := err == nil
	var at string
	cmd := &cobra.Command{
		Use:   "restore",
		Short: "Bring an empty data dir back from the replica (--replica-bucket), optionally as it was --at a time",
		Long: "Bring data.db and session.key back from the Litestream replica into --dir, which must have no data.db\n" +
			"(move a damaged one away first). Uploaded files stay in their bucket. Then start the server as usual.",
		Args:         cobra.NoArgs,
		SilenceUsage: true, // an error here is about the data, not the command line
		RunE: func(cmd *cobra.Command, args []string) error {
			var when time.Time
			if at != "" {
				t, err := time.Parse(time.RFC3339, at)
				if err != nil {
					return fmt.Errorf("--at %q: not an RFC 3339 time like 2026-11-25T10:30:00+08:00", at)
				}
				when = t
			}
			if hadData {
				return offsite.ErrDataExists
			}
			if err := app.ResetBootstrapState(); err != nil {
				return err
			}
			for _, f := range []string{"data.db", "data.db-wal", "data.db-shm"} {
				if err := os.Remove(filepath.Join(app.DataDir(), f)); err != nil && !os.IsNotExist(err) {
					return err
				}
			}
			r, err := offsite.Restore(cmd.Context(), *cfg, app.DataDir(), when)
			if err != nil {
				return err
			}
			fmt.Printf("restored %s in %s (replica position %d, %s); side files: %v\n",
				filepath.Join(app.DataDir(), "data.db"), r.Took.Round(time.Millisecond), r.TXID, r.At.Format(time.RFC3339), r.SideFiles)
			return nil
		},
	}
	cmd.Flags().StringVar(&at, "at", "", "restore the state of this time (RFC 3339) instead of the latest")
	return cmd
}

// backupCommand is `ihome backup list|create|restore`: PocketBase's
// backups (in --backup-s3-bucket, or pb_data/backups) from the shell.
func backupCommand(app *pocketbase.PocketBase) *cobra.Command {
	cmd := &cobra.Command{Use: "backup", Short: "List, take or restore backups (the admin UI's Settings → Backups)"}
	cmd.AddCommand(&cobra.Command{
		Use:          "list",
		Short:        "List the backups",
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			fsys, err := app.NewBackupsFilesystem()
			if err != nil {
				return err
			}
			defer fsys.Close()
			list, err := fsys.List("")
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
			for _, b := range list {
				fmt.Fprintf(w, "%s\t%d\t%s\n", b.Key, b.Size, b.ModTime.UTC().Format(time.RFC3339))
			}
			return w.Flush()
		},
	}, &cobra.Command{
		Use:          "create [NAME]",
		Short:        "Take a backup now (NAME defaults to a dated one)",
		Args:         cobra.MaximumNArgs(1),
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			name := ""
			if len(args) == 1 {
				name = args[0]
			}
			return app.CreateBackup(cmd.Context(), name)
		},
	}, &cobra.Command{
		Use:          "restore NAME",
		Short:        "Replace the data dir's content with the backup NAME (stop the server first)",
		Args:         cobra.ExactArgs(1),
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := offsite.RestoreBackup(cmd.Context(), app, args[0]); err != nil {
				return err
			}
			fmt.Printf("restored %s into %s; start the server\n", args[0], app.DataDir())
			return nil
		},
	})
	return cmd
}
