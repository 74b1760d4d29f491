// Package api is the /api/v1.0 route table. Modules declare their routes on
// an *API; Mount binds them, with the envelope, CSRF and session middlewares,
// to PocketBase's router when the server starts. Keeping the table lets the
// catch-all tell an unknown path (404) from a wrong method (405), and lets
// tests enumerate every route.
package api

import (
	"net/http"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/router"

	"ihome/internal/csrf"
	"ihome/internal/envelope"
	"ihome/internal/errno"
	"ihome/internal/session"
)

// Prefix is the path every route of the contract lives under.
const Prefix = "/api/v1.0"

// DefaultMaxJSONBody caps non-upload request bodies (API.md §1.6).
const DefaultMaxJSONBody = 64 << 10

// Handler is a route action.
type Handler = func(*core.RequestEvent) error

// Route is one declared route.
type Route struct {
	Method string
	Path   string // relative to Prefix, e.g. "/houses/{id}"
	// Login marks routes that answer 4101 without a valid session.
	Login bool

	action      Handler
	middlewares []*hook.Handler[*core.RequestEvent]
}

// API collects the routes of all modules.
type API struct {
	Sessions    *session.Manager
	MaxJSONBody int64

	routes []*Route
}

// New returns an empty route table that resolves sessions with sessions.
func New(sessions *session.Manager) *API {
	return &API{Sessions: sessions, MaxJSONBody: DefaultMaxJSONBody}
}

// Public declares a route open to guests.
func (a *API) Public(method, path string, action Handler, mw ...*hook.Handler[*core.RequestEvent]) {
	a.routes = append(a.routes, &Route{Method: method, Path: path, action: action, middlewares: mw})
}

// Login declares a route that requires a logged-in user (session.User(e) is then non-nil).
func (a *API) Login(method, path string, action Handler, mw ...*hook.Handler[*core.RequestEvent]) {
	a.routes = append(a.routes, &Route{Method: method, Path: path, Login: true, action: action, middlewares: mw})
}

// Routes lists the declared routes.
func (a *API) Routes() []Route {
	out := make([]Route, len(a.routes))
	for i, r := range a.routes {
		out[i] = *r
	}
	return out
}

// Mount binds the table to r: the CSRF cookie router-wide, and the API group
// with its middlewares, routes and catch-all.
func (a *API) Mount(r *router.Router[*core.RequestEvent]) {
	r.Bind(csrf.IssueCookie())

	g := r.Group(Prefix)
	g.Bind(envelope.Middleware(), csrf.Check(), a.Sessions.Middleware())
	g.Bind(apis.BodyLimit(a.MaxJSONBody))

	probe := http.NewServeMux()
	for _, rt := range a.routes {
		action := rt.action
		if rt.Login {
			action = requireLogin(action)
		}
		route := g.Route(rt.Method, rt.Path, action)
		if rt.Method == http.MethodGet {
			// reads are most of the traffic: log their failures only
			// (PocketBase's activity log; every write is still logged)
			route.Bind(apis.SkipSuccessActivityLog())
		}
		for _, mw := range rt.middlewares {
			route.Bind(mw)
		}
		probe.HandleFunc(rt.Method+" "+Prefix+rt.Path, func(http.ResponseWriter, *http.Request) {})
	}

	fallback := func(e *core.RequestEvent) error {
		for _, m := range methods {
			probeReq := e.Request.Clone(e.Request.Context())
			probeReq.Method = m
			if _, pattern := probe.Handler(probeReq); pattern != "" {
				return router.NewApiError(http.StatusMethodNotAllowed, "method not allowed", nil)
			}
		}
		return router.NewNotFoundError("", nil)
	}
	// One catch-all per method: a method-less one would conflict with the
	// static pages' "GET /{path...}".
	for _, m := range methods {
		g.Route(m, "", fallback)
		g.Route(m, "/{path...}", fallback)
	}
}

var methods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

func requireLogin(next Handler) Handler {
	return func(e *core.RequestEvent) error {
		if session.User(e) == nil {
			return errno.New(errno.SessionErr, "")
		}
		return next(e)
	}
}
