// Package legacy makes this server a drop-in backend for the existing
// iHome front-ends (API.md §9): with --compat flask or --compat gocourse it
// declares their calls as aliases of the contract's routes. Each alias
// translates the request (path values, body shape, query) and the answer
// (extra fields, money units, a wrapped list, an errno those pages test
// for) and calls the same action as the route it maps to: no rule is
// copied here. With --compat none (the default) nothing is declared, so
// the aliases answer 4002 like any unknown path.
package legacy

import (
	"fmt"
	"net/http"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"ihome/internal/api"
)

// The profiles of --compat (API.md §9).
const (
	None     = "none"
	Flask    = "flask"    // the Flask course pages (§9.1): money in fen
	GoCourse = "gocourse" // the Go-course pages (§9.2): money in yuan
)

// Config chooses the profile.
type Config struct {
	// Profile is None (or empty), Flask or GoCourse.
	Profile string
}

// Enabled reports whether a profile is on.
func (c Config) Enabled() bool { return c.Profile != "" && c.Profile != None }

// Check refuses an unknown profile.
func (c Config) Check() error {
	switch c.Profile {
	case "", None, Flask, GoCourse:
		return nil
	}
	return fmt.Errorf("--compat [IHOME_COMPAT] %q: want none, flask or gocourse", c.Profile)
}

// alias is one call of a front-end and the contract's route it maps to.
type alias struct {
	method, path     string // the front-end's call, under api.Prefix
	toMethod, toPath string // the contract's route; "" = the same route, translated in place
	request          func(*core.RequestEvent) error
	answer           func(data any) any
	takenIsDBErr     bool // a taken name answers 4001 (what these pages test for)
}

// Register declares the aliases of cfg's profile on a, and for gocourse
// the redirects of its stray links. Call it after every other module: an
// alias needs its target declared.
func Register(app core.App, a *api.API, cfg Config) error {
	if err := cfg.Check(); err != nil {
		return err
	}
	var table []alias
	switch cfg.Profile {
	case Flask:
		table = flaskAliases()
	case GoCourse:
		table = goCourseAliases()
		app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
			Id: "ihome.legacy.redirects",
			Func: func(e *core.ServeEvent) error {
				for _, p := range strayPages {
					e.Router.GET(p, redirectHome)
				}
				return e.Next()
			},
		})
	default:
		return nil
	}
	for _, al := range table {
		wrap := al.wrap
		var err error
		if al.toMethod == "" {
			err = a.Wrap(al.method, al.path, wrap)
		} else {
			err = a.Alias(al.method, al.path, al.toMethod, al.toPath, wrap)
		}
		if err != nil {
			return fmt.Errorf("legacy %s: %w", cfg.Profile, err)
		}
	}
	return nil
}

// flaskAliases is API.md §9.1 (money in fen, as ours). POST
// /orders/{id}/payment is the contract's own path: nothing to declare.
func flaskAliases() []alias {
	return []alias{
		{method: http.MethodGet, path: "/image_codes/{id}", toMethod: http.MethodGet, toPath: "/imagecode", request: captchaFromPath},
		{method: http.MethodGet, path: "/sms_codes/{mobile}", toMethod: http.MethodPost, toPath: "/smscode",
			request: smsFromQuery("image_code", "image_code_id")},
		{method: http.MethodPost, path: "/users", toMethod: http.MethodPost, toPath: "/user"},
		{method: http.MethodPost, path: "/sessions", toMethod: http.MethodPost, toPath: "/session"},
		{method: http.MethodGet, path: "/user", answer: addAvatar},
		{method: http.MethodPut, path: "/users/name", toMethod: http.MethodPut, toPath: "/user/name", takenIsDBErr: true},
		{method: http.MethodPost, path: "/users/avatar", toMethod: http.MethodPost, toPath: "/user/avatar"},
		{method: http.MethodGet, path: "/users/auth", toMethod: http.MethodGet, toPath: "/user/auth"},
		{method: http.MethodPost, path: "/users/auth", toMethod: http.MethodPost, toPath: "/user/auth"},
		{method: http.MethodPost, path: "/houses/info", toMethod: http.MethodPost, toPath: "/houses"},
		{method: http.MethodPost, path: "/houses/image", toMethod: http.MethodPost, toPath: "/houses/{house_id}/images",
			request: houseIDFromForm, answer: addImageURL},
		{method: http.MethodGet, path: "/user/orders", toMethod: http.MethodGet, toPath: "/orders"},
		{method: http.MethodPut, path: "/orders/{id}/status", toMethod: http.MethodPut, toPath: "/orders", request: orderIDFromPath},
		{method: http.MethodPut, path: "/orders/{id}/comment", toMethod: http.MethodPut, toPath: "/orders/comment", request: orderIDFromPath},
		{method: http.MethodPut, path: "/order/payment", toMethod: http.MethodPut, toPath: "/orders/payment"},
	}
}

// goCourseAliases is API.md §9.2 (money in yuan in answers; publish
// already takes yuan). Routes the table marks "unchanged" are not listed.
func goCourseAliases() []alias {
	return []alias{
		{method: http.MethodGet, path: "/house/index", toMethod: http.MethodGet, toPath: "/houses/index", answer: wrapHouses},
		{method: http.MethodGet, path: "/imagecode/{id}", toMethod: http.MethodGet, toPath: "/imagecode", request: captchaFromPath},
		{method: http.MethodGet, path: "/smscode/{mobile}", toMethod: http.MethodPost, toPath: "/smscode",
			request: smsFromQuery("text", "id")},
		{method: http.MethodPost, path: "/users", toMethod: http.MethodPost, toPath: "/user"},
		{method: http.MethodPost, path: "/sessions", toMethod: http.MethodPost, toPath: "/session"},
		{method: http.MethodGet, path: "/user", answer: addAvatar},
		{method: http.MethodPut, path: "/user/name", takenIsDBErr: true},
		{method: http.MethodGet, path: "/user/houses", answer: moneyToYuan},
		{method: http.MethodGet, path: "/houses", answer: moneyToYuan},
		{method: http.MethodGet, path: "/houses/{house_id}", answer: moneyToYuan},
		{method: http.MethodGet, path: "/user/orders", toMethod: http.MethodGet, toPath: "/orders", answer: moneyToYuan},
		{method: http.MethodPut, path: "/orders/{id}/status", toMethod: http.MethodPut, toPath: "/orders", request: orderIDFromPath},
		{method: http.MethodPut, path: "/orders/{id}/comment", toMethod: http.MethodPut, toPath: "/orders/comment", request: orderIDFromPath},
	}
}

// strayPages are the Go-course pages' links outside /home/ (API.md §9.2).
var strayPages = []string{"/{$}", "/index.html", "/search.html", "/login.html", "/myhouse.html", "/login/login.html"}

// redirectHome answers 302 to the same page under /home/, query kept.
func redirectHome(e *core.RequestEvent) error {
	u := *e.Request.URL
	u.Path, u.RawPath = "/home"+e.Request.URL.Path, ""
	u.Scheme, u.Host = "", ""
	return e.Redirect(http.StatusFound, u.RequestURI())
}
