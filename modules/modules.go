// Package modules is the wiring list: it registers the iHome modules on an
// app, in dependency order, and mounts their routes when the server starts.
package modules

import (
	"time"
	_ "time/tzdata" // the default zone must resolve on machines without zoneinfo

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"ihome/internal/api"
	"ihome/internal/intid"
	"ihome/internal/media"
	"ihome/internal/offsite"
	"ihome/internal/openapi"
	"ihome/internal/session"
	"ihome/internal/sms"
	"ihome/modules/auth"
	"ihome/modules/calendar"
	"ihome/modules/house"
	"ihome/modules/legacy"
	"ihome/modules/notify"
	"ihome/modules/order"
	"ihome/modules/payment"
	"ihome/modules/search"
	"ihome/modules/user"
)

// Config gathers the configuration of every module.
type Config struct {
	Session  session.Config
	Auth     auth.Config
	User     user.Config
	House    house.Config
	Order    order.Config
	Calendar calendar.Config
	Payment  payment.Config // the payment step of API.md §6 (off: Provider none)
	Search   search.Config
	Notify   notify.Config
	// Legacy is the compatibility profile for existing front-ends (API.md §9; off: none).
	Legacy legacy.Config
	// SMS delivers registration codes and notifications; sms.Log into
	// sms_outbox when nil (API.md §2.2, §8.1).
	SMS sms.Provider
	// Media bounds the decoding of uploads (avatars and house pictures).
	Media media.Config
	// Offsite puts uploaded files, backups and a continuous replica of
	// data.db on S3-compatible storage; all off when zero.
	Offsite offsite.Config
	// MaxJSONBody caps non-upload bodies; api.DefaultMaxJSONBody when zero.
	MaxJSONBody int64
	// Location is the server time zone for calendar dates; Asia/Shanghai when nil.
	Location *time.Location
	// Now is the clock of every module; time.Now when nil (tests inject one).
	Now func() time.Time
}

// Register binds every module to app. It does no database work.
func Register(app core.App, cfg Config) (*api.API, error) {
	if cfg.Location == nil {
		loc, err := time.LoadLocation("Asia/Shanghai")
		if err != nil {
			return nil, err
		}
		cfg.Location = loc
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	// every module keeps the one clock and zone unless a test gives its own
	inherit := func(now *func() time.Time, loc **time.Location) {
		if *now == nil {
			*now = cfg.Now
		}
		if loc != nil && *loc == nil {
			*loc = cfg.Location
		}
	}
	inherit(&cfg.Session.Now, nil)
	inherit(&cfg.Auth.Now, &cfg.Auth.Location)
	inherit(&cfg.User.Now, &cfg.User.Location)
	inherit(&cfg.House.Now, &cfg.House.Location)
	inherit(&cfg.Order.Now, &cfg.Order.Location)
	inherit(&cfg.Calendar.Now, &cfg.Calendar.Location)
	inherit(&cfg.Search.Now, &cfg.Search.Location)
	inherit(&cfg.Notify.Now, &cfg.Notify.Location)
	inherit(&cfg.Payment.Now, &cfg.Payment.Location)

	// one bound on decoding uploads, whichever module takes them, and no
	// decode on a file request (API.md §1.7 Uploads)
	if cfg.User.Images == nil {
		cfg.User.Images = media.New(cfg.Media)
	}
	if cfg.House.Images == nil {
		cfg.House.Images = cfg.User.Images
	}
	media.BindThumbGuard(app)

	// files, backups and the replica of data.db on S3-compatible storage
	if err := offsite.Register(app, cfg.Offsite); err != nil {
		return nil, err
	}

	// API.md §1.5: the ids staff see are the ids the API returns
	intid.Register(app, user.Collection, house.AreasCollection, house.FacilCollection, house.Collection, order.Collection, calendar.BlocksCollection, notify.Collection)

	if cfg.SMS == nil {
		cfg.SMS = sms.Log{Collection: auth.OutboxCollection}
	}
	if cfg.Auth.SMS == nil {
		cfg.Auth.SMS = cfg.SMS
	}
	if cfg.Notify.SMS == nil {
		cfg.Notify.SMS = cfg.SMS
	}

	a := api.New(session.NewManager(cfg.Session))
	if cfg.MaxJSONBody > 0 {
		a.MaxJSONBody = cfg.MaxJSONBody
	}
	if err := auth.Register(app, a, cfg.Auth); err != nil {
		return nil, err
	}
	if err := user.Register(app, a, cfg.User); err != nil {
		return nil, err
	}
	if err := house.Register(app, a, cfg.House); err != nil {
		return nil, err
	}
	if cfg.Order.StayAmount == nil {
		cfg.Order.StayAmount = calendar.StayAmount // nights priced by the host calendar (API.md §7.3)
	}
	if cfg.Payment.Enabled() && cfg.Order.AcceptTo == "" {
		cfg.Order.AcceptTo = order.WaitPayment // accept opens the pay window (API.md §6)
	}
	if err := order.Register(app, a, cfg.Order); err != nil {
		return nil, err
	}
	if err := calendar.Register(app, a, cfg.Calendar); err != nil {
		return nil, err
	}
	if err := payment.Register(app, a, cfg.Payment); err != nil {
		return nil, err
	}
	if err := notify.Register(app, a, cfg.Notify); err != nil {
		return nil, err
	}
	if err := search.Register(app, a, cfg.Search); err != nil {
		return nil, err
	}
	// the API described (docs/openapi.yaml) and its reference page
	if err := openapi.Register(app, a); err != nil {
		return nil, err
	}
	// aliases of the routes above: declared last (API.md §9)
	if err := legacy.Register(app, a, cfg.Legacy); err != nil {
		return nil, err
	}

	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
		Id:   "ihome.mount",
		Func: a.Serve, // mounts the routes, then guards the server's handler
	})
	return a, nil
}
