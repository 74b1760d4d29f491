// Package api is the /api/v1.0 route table. Modules declare their routes on
// an *API; Mount binds them, with the envelope, CSRF and session middlewares,
// to PocketBase's router when the server starts. Keeping the table lets the
// catch-all tell an unknown path (404) from a wrong method (405), and lets
// tests enumerate every route.
package api

import (
	"fmt"
	"net/http"
	"strings"

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
	// Callback marks a route that another service's server calls (a
	// payment provider's notify, API.md §6.2): exempt from the CSRF check
	// (it carries no cookie, and no session acts through it), answered in
	// that service's own format, not the envelope.
	Callback bool
	// AliasOf is the route an alias (Alias) calls, as "METHOD /path";
	// Translated marks a route Wrap translates in place. Only a --compat
	// profile sets them (API.md §9); docs/openapi.yaml lists them under
	// x-compat (TestCompatAliasesMatchDocument keeps the two in step).
	AliasOf    string
	Translated bool

	action      Handler
	middlewares []*hook.Handler[*core.RequestEvent]
}

// API collects the routes of all modules.
type API struct {
	Sessions    *session.Manager
	MaxJSONBody int64

	routes []*Route
	probe  *http.ServeMux // the declared routes, to tell 405 from 404
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

// Callback declares a route for another service's server (see Route.Callback).
func (a *API) Callback(method, path string, action Handler, mw ...*hook.Handler[*core.RequestEvent]) {
	a.routes = append(a.routes, &Route{Method: method, Path: path, Callback: true, action: action, middlewares: mw})
}

// Alias declares method+path as another name of the declared route
// toMethod+toPath: the same login rule, middlewares and action, the action
// wrapped by wrap (which translates the request and the answer). It is an
// error when the target is not declared (yet): declare aliases last.
func (a *API) Alias(method, path, toMethod, toPath string, wrap func(Handler) Handler) error {
	t := a.find(toMethod, toPath)
	if t == nil {
		return fmt.Errorf("api: alias %s %s: no route %s %s", method, path, toMethod, toPath)
	}
	a.routes = append(a.routes, &Route{Method: method, Path: path, Login: t.Login, AliasOf: toMethod + " " + toPath,
		action: wrap(t.action), middlewares: t.middlewares})
	return nil
}

// Wrap replaces the action of the declared route method+path with
// wrap(action), for a translation on the route's own path; an error when
// the route is not declared.
func (a *API) Wrap(method, path string, wrap func(Handler) Handler) error {
	t := a.find(method, path)
	if t == nil {
		return fmt.Errorf("api: wrap: no route %s %s", method, path)
	}
	t.action, t.Translated = wrap(t.action), true
	return nil
}

func (a *API) find(method, path string) *Route {
	for _, r := range a.routes {
		if r.Method == method && r.Path == path {
			return r
		}
	}
	return nil
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
	r.Bind(csrf.IssueCookie(a.Sessions.Secure))
	r.Bind(quietHealth())

	g := r.Group(Prefix)
	g.Bind(envelope.Middleware(), csrf.Check(), a.Sessions.Middleware())
	g.Bind(apis.BodyLimit(a.MaxJSONBody))

	probe := http.NewServeMux()
	for _, rt := range a.routes {
		action := rt.action
		if rt.Login {
			action = requireLogin(action)
		}
		// a declared path is exact: "/smscode/" is that path, not the
		// ServeMux subtree of every path under it
		pattern := rt.Path
		if strings.HasSuffix(pattern, "/") {
			pattern += "{$}"
		}
		route := g.Route(rt.Method, pattern, action)
		if rt.Method == http.MethodGet && (rt.AliasOf == "" || strings.HasPrefix(rt.AliasOf, http.MethodGet+" ")) {
			// reads are most of the traffic: log their failures only
			// (PocketBase's activity log; every write is still logged,
			// a GET alias of a write included: API.md §9's SMS sends)
			route.Bind(apis.SkipSuccessActivityLog())
		}
		if rt.Callback {
			route.Unbind(csrf.CheckMiddlewareId)
		}
		for _, mw := range rt.middlewares {
			route.Bind(mw)
		}
		probe.HandleFunc(rt.Method+" "+Prefix+pattern, func(http.ResponseWriter, *http.Request) {})
	}
	a.probe = probe

	// One catch-all per method: a method-less one would conflict with the
	// static pages' "GET /{path...}". Other methods reach it through Guard.
	for _, m := range catchAllMethods {
		// refusing changes nothing: routing answers (404, 405) before CSRF (403)
		g.Route(m, "", a.refuse).Unbind(csrf.CheckMiddlewareId)
		g.Route(m, "/{path...}", a.refuse).Unbind(csrf.CheckMiddlewareId)
	}
}

// catchAllMethods are the methods the catch-all is declared for (GET also
// takes HEAD). OPTIONS is among them for when PocketBase's CORS middleware,
// which answers every OPTIONS first, is not bound (tests).
var catchAllMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions}

// routeMethods are the methods a route may be declared for, in the order
// of the Allow header.
var routeMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// refuse answers a request no route takes (API.md §1.1): 405 (4103) with
// an Allow header when its path has routes for other methods, else 404
// (4002). A request Guard routed here is answered, and logged, as the one
// the client sent.
func (a *API) refuse(e *core.RequestEvent) error {
	if sent, ok := e.Request.Context().Value(guardedKey{}).(*http.Request); ok {
		e.Request = sent
	}
	r := e.Request
	if p := r.URL.EscapedPath(); cleanPath(p) != p {
		return router.NewNotFoundError("", nil)
	}
	var allow []string
	for _, m := range routeMethods {
		if _, pattern := a.probe.Handler(&http.Request{Method: m, Host: r.Host, URL: r.URL}); pattern != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) == 0 {
		return router.NewNotFoundError("", nil)
	}
	e.Response.Header().Set("Allow", strings.Join(allow, ", "))
	return router.NewApiError(http.StatusMethodNotAllowed, "method not allowed", nil)
}

func requireLogin(next Handler) Handler {
	return func(e *core.RequestEvent) error {
		if session.User(e) == nil {
			return errno.New(errno.SessionErr, "")
		}
		return next(e)
	}
}

// quietHealth keeps PocketBase's GET /api/health out of the activity log
// when it succeeds: load balancers ask it every few seconds, and logging
// each answer cost more than answering (it is also the benchmarks'
// framework ceiling, which should measure the router, not the log).
func quietHealth() *hook.Handler[*core.RequestEvent] {
	skip := apis.SkipSuccessActivityLog()
	return &hook.Handler[*core.RequestEvent]{
		Id: "ihomeQuietHealth",
		Func: func(e *core.RequestEvent) error {
			if e.Request.URL.Path == "/api/health" {
				return skip.Func(e)
			}
			return e.Next()
		},
	}
}
