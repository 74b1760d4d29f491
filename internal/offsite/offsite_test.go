package offsite_test

import (
	"strings"
	"testing"
	"time"

	"ihome/internal/offsite"
)

// TestValidateRefusesHalfConfiguredStores: every half-configured store is
// refused with the flag to set, a complete one passes.
func TestValidateRefusesHalfConfiguredStores(t *testing.T) {
	full := offsite.Store{Endpoint: "https://oss-cn-hangzhou.aliyuncs.com", Region: "oss-cn-hangzhou", AccessKey: "AK", Secret: "SK"}
	cases := []struct {
		name string
		cfg  offsite.Config
		want []string // parts of the error; none: valid
	}{
		{"nothing", offsite.Config{}, nil},
		{"files", offsite.Config{Store: full, FilesBucket: "f"}, nil},
		{"everything", offsite.Config{Store: full, FilesBucket: "f", BackupsBucket: "b", BackupCron: "0 3 * * *", BackupKeep: 3, ReplicaBucket: "f", SyncInterval: 500 * time.Millisecond}, nil},
		{"bucket without keys", offsite.Config{Store: offsite.Store{Endpoint: full.Endpoint, Region: full.Region}, FilesBucket: "f"},
			[]string{"--s3-access-key (IHOME_S3_ACCESS_KEY) is empty", "--s3-secret (IHOME_S3_SECRET) is empty"}},
		{"replica without endpoint", offsite.Config{Store: offsite.Store{Region: "r", AccessKey: "a", Secret: "s"}, ReplicaBucket: "r"},
			[]string{"--s3-endpoint (IHOME_S3_ENDPOINT) is empty"}},
		{"backups without region", offsite.Config{Store: offsite.Store{Endpoint: full.Endpoint, AccessKey: "a", Secret: "s"}, BackupsBucket: "b"},
			[]string{"--s3-region (IHOME_S3_REGION) is empty"}},
		{"keys without bucket", offsite.Config{Store: full}, []string{"no bucket", "--s3-bucket", "--replica-bucket"}},
		{"endpoint not a URL", offsite.Config{Store: offsite.Store{Endpoint: "oss-cn-hangzhou.aliyuncs.com", Region: "r", AccessKey: "a", Secret: "s"}, FilesBucket: "f"},
			[]string{"is not an http(s) URL"}},
		{"backups in the files bucket", offsite.Config{Store: full, FilesBucket: "f", BackupsBucket: "f"}, []string{"--backup-s3-bucket must differ from --s3-bucket"}},
		{"backups in the replica bucket", offsite.Config{Store: full, ReplicaBucket: "r", BackupsBucket: "r"}, []string{"--backup-s3-bucket must differ from --replica-bucket"}},
		{"bad cron", offsite.Config{Store: full, BackupsBucket: "b", BackupCron: "every day"}, []string{"--backup-cron (IHOME_BACKUP_CRON)"}},
		{"keep none", offsite.Config{Store: full, BackupsBucket: "b", BackupCron: "0 3 * * *", BackupKeep: -1}, []string{"--backup-keep (IHOME_BACKUP_KEEP) is -1"}},
		{"interval too short", offsite.Config{Store: full, ReplicaBucket: "r", SyncInterval: time.Millisecond}, []string{"--replica-sync-interval (IHOME_REPLICA_SYNC_INTERVAL) is 1ms"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.cfg.Validate()
			if len(c.want) == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}
