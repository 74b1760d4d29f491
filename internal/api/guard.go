package api

import (
	"context"
	"net/http"
	"path"
	"slices"
	"strings"

	"github.com/pocketbase/pocketbase/core"
)

// guardedKey marks, in a request's context, a request Guard routed to the
// catch-all; its value is the request as the client sent it.
type guardedKey struct{}

// Serve is the OnServe handler of the API: it mounts the table on the
// router and, once PocketBase has built the server's handler (after
// e.Next()), puts Guard in front of it.
func (a *API) Serve(e *core.ServeEvent) error {
	a.Mount(e.Router)
	if err := e.Next(); err != nil {
		return err
	}
	if e.Server != nil && e.Server.Handler != nil {
		e.Server.Handler = a.Guard(e.Server.Handler)
	}
	return nil
}

// Guard keeps Go's ServeMux from answering /api/v1.0 requests itself
// (API.md §1.1: every answer there is an envelope). Before any route runs,
// the mux answers a path with "..", "." or "//" segments with a redirect
// to its cleaned form (an HTML body), and a method no route is declared
// for (TRACE, PROPFIND, BREW) with a bare 404. Guard sends such requests,
// when their path or its cleaned form is under Prefix, to the catch-all
// instead, through the usual middlewares (envelope, CSRF cookie, activity
// log): a path that needs cleaning is 404 (4002), never followed; an odd
// method is 405 (4103) on a path with routes, else 404 (4002).
func (a *API) Guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.EscapedPath()
		clean := cleanPath(p)
		known := slices.Contains(catchAllMethods, r.Method) || r.Method == http.MethodHead
		if (!under(p) && !under(clean)) || (clean == p && known) {
			next.ServeHTTP(w, r)
			return
		}
		routed := r.Clone(context.WithValue(r.Context(), guardedKey{}, r))
		if !known {
			routed.Method = http.MethodGet
		}
		routed.URL.Path, routed.URL.RawPath = Prefix, ""
		next.ServeHTTP(w, routed)
	})
}

func under(p string) bool { return p == Prefix || strings.HasPrefix(p, Prefix+"/") }

// cleanPath is the path Go's ServeMux would redirect p to (net/http's
// cleanPath): rooted, without "." and ".." segments or repeated slashes,
// keeping a trailing slash.
func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	if p[0] != '/' {
		p = "/" + p
	}
	np := path.Clean(p)
	if strings.HasSuffix(p, "/") && np != "/" {
		np += "/"
	}
	return np
}
