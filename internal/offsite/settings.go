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
// replaced: a save of the settings stores those, so keys given by flags
// never land in data.db (which is replicated and backed up).
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
	// PocketBase loads the stored settings into the live ones, and a stored
	// empty secret (omitted in the JSON) leaves the live one as it was: the
	// flags' secret is never a stored one.
	if o.stored.s3.Secret == o.cfg.Store.Secret {
		o.stored.s3.Secret = ""
	}
	if o.stored.backups.S3.Secret == o.cfg.Store.Secret {
		o.stored.backups.S3.Secret = ""
	}
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
	// Any save of the settings (the admin UI's, a module's at start-up)
	// writes what apply replaced, not the flags' keys: the write itself
	// gets a copy with those parts put back.
	save := func(created bool) func(e *core.ModelEvent) error {
		return func(e *core.ModelEvent) error {
			s, ok := e.Model.(*core.Settings)
			if !ok {
				return e.Next()
			}
			stored, err := s.Clone()
			if err != nil {
				return err
			}
			o.unapply(stored)
			e.Model = stored
			err = e.Next()
			e.Model = s
			if err == nil && created {
				s.MarkAsNotNew()
			}
			return err
		}
	}
	table := new(core.Settings).TableName()
	app.OnModelCreateExecute(table).Bind(&hook.Handler[*core.ModelEvent]{Id: SettingsSaveHookId, Func: save(true)})
	app.OnModelUpdateExecute(table).Bind(&hook.Handler[*core.ModelEvent]{Id: SettingsSaveHookId, Func: save(false)})
	if app.IsBootstrapped() {
		o.apply(app.Settings())
	}
}
