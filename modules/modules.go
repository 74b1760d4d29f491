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

// IntegerIdCollections get sequential ids (API.md §1.5).
var IntegerIdCollections = []string{"users", "areas", "facilities", "houses", "orders"}

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
	cfg.Session.Now = orDefault(cfg.Session.Now, cfg.Now)
	cfg.Auth.Now = orDefault(cfg.Auth.Now, cfg.Now)
	if cfg.Auth.Location == nil {
		cfg.Auth.Location = cfg.Location
	}

	intid.Register(app, IntegerIdCollections...)

	a := api.New(session.NewManager(cfg.Session))
	if cfg.MaxJSONBody > 0 {
		a.MaxJSONBody = cfg.MaxJSONBody
	}
	if err := auth.Register(app, a, cfg.Auth); err != nil {
		return nil, err
	}
	cfg.User.Now = orDefault(cfg.User.Now, cfg.Now)
	if cfg.User.Location == nil {
		cfg.User.Location = cfg.Location
	}
	if err := user.Register(app, a, cfg.User); err != nil {
		return nil, err
	}
	cfg.House.Now = orDefault(cfg.House.Now, cfg.Now)
	if cfg.House.Location == nil {
		cfg.House.Location = cfg.Location
	}
	if err := house.Register(app, a, cfg.House); err != nil {
		return nil, err
	}
	cfg.Order.Now = orDefault(cfg.Order.Now, cfg.Now)
	if cfg.Order.Location == nil {
		cfg.Order.Location = cfg.Location
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

func orDefault(f, def func() time.Time) func() time.Time {
	if f != nil {
		return f
	}
	return def
}
