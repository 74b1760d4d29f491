// Package auth implements accounts (API.md §2.1–2.6): image captchas, SMS
// codes, registration, login with lock-out, and the session routes.
package auth

import (
	"fmt"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"ihome/internal/api"
	"ihome/internal/session"
	"ihome/internal/sms"
)

// Collection and field names owned by this module.
const (
	UsersCollection    = "users"
	CaptchasCollection = "captchas"
	SMSCodesCollection = "sms_codes"
	OutboxCollection   = "sms_outbox"

	FieldMobile  = "mobile"
	FieldName    = "name"
	FieldCode    = "code"
	FieldKey     = "key"
	FieldExpires = "expires"
	FieldTries   = "tries"
	FieldText    = "text"
)

// Config holds the module's limits; zero values take the defaults of API.md.
type Config struct {
	CaptchaTTL        time.Duration // 180 s
	SMSCodeTTL        time.Duration // 300 s
	SMSResendInterval time.Duration // 60 s
	SMSDailyLimit     int           // 10 codes a mobile a day
	SMSHourlyPerIP    int           // 20 codes an IP an hour
	SMSMaxTries       int           // 5 wrong codes kill a code
	LoginMaxFailures  int           // 5 failures …
	LoginWindow       time.Duration // … within 10 minutes lock for 10 minutes
	OutboxRetention   time.Duration // sms_outbox rows kept 7 days

	// Abuse limits of API.md §1.7 (answered with 4201).
	CaptchaPerMinutePerIP int // 30 captchas an IP a minute
	RegisterHourlyPerIP   int // 20 registration attempts an IP an hour
	// StaffLoginPerMinute is PocketBase's rate limit on the superuser auth
	// routes, per IP (HTTP 429): 5 by default; negative leaves PocketBase's
	// rate-limit settings to the admin UI.
	StaffLoginPerMinute int

	// SMS delivers codes; sms.Log into sms_outbox when nil.
	SMS SMSProvider
	// Now and Location give "now" and "today"; time.Now and Asia/Shanghai by default.
	Now      func() time.Time
	Location *time.Location
}

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	defInt := func(n *int, v int) {
		if *n <= 0 {
			*n = v
		}
	}
	def(&c.CaptchaTTL, 180*time.Second)
	def(&c.SMSCodeTTL, 300*time.Second)
	def(&c.SMSResendInterval, 60*time.Second)
	def(&c.LoginWindow, 10*time.Minute)
	def(&c.OutboxRetention, 7*24*time.Hour)
	defInt(&c.SMSDailyLimit, 10)
	defInt(&c.SMSHourlyPerIP, 20)
	defInt(&c.SMSMaxTries, 5)
	defInt(&c.LoginMaxFailures, 5)
	defInt(&c.CaptchaPerMinutePerIP, 30)
	defInt(&c.RegisterHourlyPerIP, 20)
	if c.StaffLoginPerMinute == 0 {
		c.StaffLoginPerMinute = 5
	}
	if c.SMS == nil {
		c.SMS = sms.Log{Collection: OutboxCollection}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Location == nil {
		c.Location = time.UTC
	}
	return c
}

// module is the state of the auth routes for one app.
type module struct {
	cfg      Config
	sessions *session.Manager
	limits   *limiter

	dummyOnce sync.Once
	dummyHash []byte // compared against for unknown mobiles, so timing tells nothing
}

// Register binds the auth routes, the revocation of sessions on password
// changes, the staff login rate limit and the purge cron job.
func Register(app core.App, a *api.API, cfg Config) error {
	m := &module{cfg: cfg.withDefaults(), sessions: a.Sessions, limits: newLimiter()}
	m.routes(a)
	session.RevokeOnPasswordChange(app)
	if m.cfg.StaffLoginPerMinute > 0 {
		app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
			Id: "ihome.auth.staffLoginLimit",
			Func: func(e *core.ServeEvent) error {
				if err := limitStaffLogins(e.App, m.cfg.StaffLoginPerMinute); err != nil {
					return err
				}
				return e.Next()
			},
		})
	}
	return app.Cron().Add("ihome.auth.purge", "*/5 * * * *", func() {
		if err := m.purge(app); err != nil {
			app.Logger().Error("auth purge failed", "error", err)
		}
	})
}

// purge deletes expired captchas, SMS codes, old outbox rows and sessions.
func (m *module) purge(app core.App) error {
	now := m.cfg.Now()
	m.limits.purge(now)
	for _, q := range []struct {
		table  string
		column string
		before time.Time
	}{
		{CaptchasCollection, FieldExpires, now},
		{SMSCodesCollection, FieldExpires, now},
		{OutboxCollection, "created", now.Add(-m.cfg.OutboxRetention)},
		{session.Collection, session.FieldExpires, now},
	} {
		_, err := app.DB().NewQuery(fmt.Sprintf("DELETE FROM %s WHERE %s < {:t}", q.table, q.column)).
			Bind(map[string]any{"t": dbTime(q.before)}).Execute()
		if err != nil {
			return fmt.Errorf("purge %s: %w", q.table, err)
		}
	}
	return nil
}
