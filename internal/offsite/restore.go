package offsite

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/benbjohnson/litestream"
	"github.com/pocketbase/pocketbase/tools/filesystem"
)

// Restored says what Restore brought back.
type Restored struct {
	// TXID is the last transaction of the replica that data.db holds.
	TXID uint64
	// At is the time of that transaction (as the replica records it).
	At time.Time
	// SideFiles are the side files fetched (session.key).
	SideFiles []string
	// Took is the time the restore took.
	Took time.Duration
}

// ErrDataExists refuses a restore over a data dir that has a data.db.
var ErrDataExists = errors.New("the data dir already has a data.db: restore fills an empty data dir (move the old one away first)")

// Restore brings dir's data.db back from the replica, as it was at the
// time at (the latest state when at is zero), checks its integrity, and
// fetches the side files (session.key) the dir lacks. dir must have no
// data.db; the uploaded files stay in their bucket.
func Restore(ctx context.Context, cfg Config, dir string, at time.Time) (Restored, error) {
	start := time.Now()
	var out Restored
	if err := cfg.Validate(); err != nil {
		return out, err
	}
	cfg = cfg.withDefaults()
	if !cfg.Replicating() {
		return out, errors.New("no replica: set --replica-bucket (IHOME_REPLICA_BUCKET)")
	}
	path := filepath.Join(dir, dbFile)
	if _, err := os.Stat(path); err == nil {
		return out, ErrDataExists
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return out, err
	}
	client := cfg.client()
	if err := initClient(ctx, client); err != nil {
		return out, err
	}
	replica := litestream.NewReplicaWithClient(nil, client)
	opt := litestream.NewRestoreOptions()
	opt.OutputPath = path
	opt.Timestamp = at
	opt.IntegrityCheck = litestream.IntegrityCheckQuick
	if err := replica.Restore(ctx, opt); err != nil {
		if errors.Is(err, litestream.ErrTxNotAvailable) || errors.Is(err, litestream.ErrNoSnapshots) {
			err = fmt.Errorf("the replica holds no state at or before %v: %w", when(at), err)
		}
		return out, fmt.Errorf("restore s3://%s/%s: %w", cfg.ReplicaBucket, cfg.dbKey(), err)
	}
	if info, err := replica.MaxLTXFileInfo(ctx, 0); err == nil && at.IsZero() {
		out.TXID, out.At = uint64(info.MaxTXID), info.CreatedAt
	}

	fsys, err := cfg.bucket(cfg.ReplicaBucket)
	if err != nil {
		return out, err
	}
	defer fsys.Close()
	fsys.SetContext(ctx)
	for _, name := range sideFiles {
		target := filepath.Join(dir, name)
		if _, err := os.Stat(target); err == nil {
			continue
		}
		switch err := fetch(fsys, cfg.ReplicaPath+"/"+name, target); {
		case err == nil:
			out.SideFiles = append(out.SideFiles, name)
		case !errors.Is(err, filesystem.ErrNotFound):
			return out, fmt.Errorf("fetch %s: %w", name, err)
		}
	}
	out.Took = time.Since(start)
	return out, nil
}

func fetch(fsys *filesystem.System, key, target string) error {
	rd, err := fsys.GetReader(key)
	if err != nil {
		return err
	}
	defer rd.Close()
	data, err := io.ReadAll(rd)
	if err != nil {
		return err
	}
	return os.WriteFile(target, data, 0o600)
}

func when(at time.Time) string {
	if at.IsZero() {
		return "now"
	}
	return at.Format(time.RFC3339)
}
