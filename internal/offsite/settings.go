package offsite

import (
	"sync"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
)

// Hook ids, so a test or a staff JS hook can find them.
const (
	SettingsHookId      = "ihome.offsite.settings"
	SettingsSaveHookId  = "ihome.offsite.settingsSave"
	BackupCreateHookId  = "ihome.offsite.backupCreate"
	BackupRestoreHookId = "ihome.offsite.backupRestore"
)

// settings returns the store as PocketBase's settings hold it, for bucket.
func (s Store) settings(bucket string) core.S3Config {
	return core.S3Config{
		Enabled:        true,
		Bucket:         bucket,
		Region:         s.Region,
		Endpoint:       s.Endpoint,
		AccessKey:      s.AccessKey,
		Secret:         s.Secret,
		ForcePathStyle: s.PathStyle,
	}
}

// overlay lays cfg over the settings PocketBase loaded, and keeps what it
// replaced: a settings save from the admin UI stores those, so keys given
// by flags never land in data.db (which is replicated and backed up).
type overlay struct {
	cfg Config

	mu     sync.Mutex
	stored struct {
		s3      core.S3Config
		backups core.BackupsConfig
	}
}

func (o *overlay) apply(s *core.Settings) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.stored.s3, o.stored.backups = s.S3, s.Backups
	if o.cfg.Files() {
		s.S3 = o.cfg.Store.settings(o.cfg.FilesBucket)
	}
	if o.cfg.Backups() {
		s.Backups.S3 = o.cfg.Store.settings(o.cfg.BackupsBucket)
	}
	if o.cfg.BackupCron != "" {
		s.Backups.Cron = o.cfg.BackupCron
		s.Backups.CronMaxKeep = o.cfg.BackupKeep
	}
}

// unapply puts back, in settings about to be saved, what apply replaced.
func (o *overlay) unapply(s *core.Settings) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.cfg.Files() {
		s.S3 = o.stored.s3
	}
	if o.cfg.Backups() {
		s.Backups.S3 = o.stored.backups.S3
	}
	if o.cfg.BackupCron != "" {
		s.Backups.Cron, s.Backups.CronMaxKeep = o.stored.backups.Cron, o.stored.backups.CronMaxKeep
	}
}

// bindSettings lays cfg over the settings at every load (bootstrap, and
// after any save), before PocketBase's own reload hooks read them (the
// backup cron is scheduled from them).
func bindSettings(app core.App, cfg Config) {
	if !cfg.Files() && !cfg.Backups() && cfg.BackupCron == "" {
		return
	}
	o := &overlay{cfg: cfg}
	app.OnSettingsReload().Bind(&hook.Handler[*core.SettingsReloadEvent]{
		Id: SettingsHookId,
		Func: func(e *core.SettingsReloadEvent) error {
			if err := e.Next(); err != nil {
				return err
			}
			o.apply(e.App.Settings())
			return nil
		},
	})
	app.OnSettingsUpdateRequest().Bind(&hook.Handler[*core.SettingsUpdateRequestEvent]{
		Id: SettingsSaveHookId,
		Func: func(e *core.SettingsUpdateRequestEvent) error {
			o.unapply(e.NewSettings)
			return e.Next()
		},
	})
	if app.IsBootstrapped() {
		o.apply(app.Settings())
	}
}
