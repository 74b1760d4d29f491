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
	"ihome/internal/session"
	"ihome/modules/auth"
	"ihome/modules/house"
	"ihome/modules/order"
	"ihome/modules/user"
)

// Config gathers the configuration of every module.
type Config struct {
	Session session.Config
	Auth    auth.Config
	User    user.Config
	House   house.Config
	Order   order.Config
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

	// one bound on decoding uploads, whichever module takes them
	if cfg.User.Images == nil {
		cfg.User.Images = user.NewImages(2)
	}
	if cfg.House.Images == nil {
		cfg.House.Images = cfg.User.Images
	}

	// API.md §1.5: the ids staff see are the ids the API returns
	intid.Register(app, "users", "areas", "facilities", "houses", "orders")

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
	if err := order.Register(app, a, cfg.Order); err != nil {
		return nil, err
	}

	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
		Id: "ihome.mount",
		Func: func(e *core.ServeEvent) error {
			a.Mount(e.Router)
			return e.Next()
		},
	})
	return a, nil
}
