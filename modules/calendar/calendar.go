// Package calendar is the host calendar (API.md §7): days a host closes,
// nightly prices that override the house price, and iCal feeds exported
// to and imported from other platforms. It sits above order (DESIGN.md §2):
// its rules on bookings (no blocked day, the stay priced night by night)
// are bound on the orders collection and run in the booking's transaction.
package calendar

import (
	"net/http"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/api"
)

// Collections and fields owned by this module.
const (
	BlocksCollection = "calendar_blocks"
	PricesCollection = "calendar_prices"
	FeedsCollection  = "calendar_feeds"
	TokensCollection = "calendar_tokens"

	FieldHouse     = "house"
	FieldStartDate = "first_day"
	FieldEndDate   = "last_day" // inclusive
	FieldFeed      = "feed"     // of a block: empty when the host blocked it
	FieldUID       = "uid"
	FieldConflict  = "conflict"
	FieldPrice     = "price" // of an override: fen a night
	FieldURL       = "url"
	FieldLastSync  = "last_sync"
	FieldLastError = "last_error"
	FieldToken     = "token"
)

// Config holds the module's limits; zero values take the defaults of API.md §7.
type Config struct {
	MaxRangeDays int // days one GET or PUT may span, 366
	DefaultDays  int // days a GET without to shows after from, 90
	// AllowPrivateFeeds lets imports reach private and loopback addresses
	// (--ical-allow-private, for tests only: it turns the SSRF guard off).
	AllowPrivateFeeds bool
	// FeedTimeout bounds one fetch of an import, 10 s.
	FeedTimeout time.Duration
	Now         func() time.Time
	Location    *time.Location
}

func (c Config) withDefaults() Config {
	if c.MaxRangeDays <= 0 {
		c.MaxRangeDays = 366
	}
	if c.DefaultDays <= 0 {
		c.DefaultDays = 90
	}
	if c.FeedTimeout <= 0 {
		c.FeedTimeout = 10 * time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Location == nil {
		c.Location = time.UTC
	}
	return c
}

type module struct {
	cfg    Config
	client *http.Client                  // fetches imports, behind the SSRF guard
	secure func(*core.RequestEvent) bool // whether the client came over https
}

// SyncJobId names the cron job that fetches the imports.
const SyncJobId = "ihome.calendar.sync"

// Register binds the calendar routes, its rules on bookings and the import job.
func Register(app core.App, a *api.API, cfg Config) error {
	m := &module{cfg: cfg.withDefaults(), secure: a.Sessions.Secure}
	allowed := publicAddr
	if m.cfg.AllowPrivateFeeds {
		allowed = nil
	}
	m.client = feedClient(allowed, m.cfg.FeedTimeout)
	m.bindHooks(app)
	m.routes(a)
	// imports are fetched every 15 minutes (API.md §7.4)
	return app.Cron().Add(SyncJobId, "*/15 * * * *", func() { m.syncAll(app) })
}
