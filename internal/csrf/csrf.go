// Package csrf implements the double-submit rule of API.md §1.3: a readable
// csrf_token cookie, echoed by scripts in the X-CSRFToken header on every
// unsafe API request.
package csrf

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/router"

	"ihome/internal/session"
)

// CookieName and HeaderName are fixed by the contract.
const (
	CookieName = "csrf_token"
	HeaderName = "X-CSRFToken"
)

// Middleware ids.
const (
	IssueMiddlewareId = "ihomeCSRFIssue"
	CheckMiddlewareId = "ihomeCSRFCheck"
)

// IssueCookie sets a fresh csrf_token cookie on any response to a request
// that has none. It runs router-wide: pages load before they call the API.
// secure tells whether the cookie gets the Secure attribute, as the session
// cookie does (session.Manager.Secure, API.md §1.7); nil means over TLS only.
func IssueCookie(secure func(*core.RequestEvent) bool) *hook.Handler[*core.RequestEvent] {
	if secure == nil {
		secure = func(e *core.RequestEvent) bool { return e.IsTLS() }
	}
	return &hook.Handler[*core.RequestEvent]{
		Id:       IssueMiddlewareId,
		Priority: apis.DefaultSecurityHeadersMiddlewarePriority,
		Func: func(e *core.RequestEvent) error {
			if c, err := e.Request.Cookie(CookieName); err != nil || c.Value == "" {
				e.SetCookie(&http.Cookie{
					Name:     CookieName,
					Value:    newToken(),
					Path:     "/",
					SameSite: http.SameSiteLaxMode,
					Secure:   secure(e),
				})
			}
			return e.Next()
		},
	}
}

// Check refuses unsafe requests whose X-CSRFToken header does not match the
// cookie. Requests authenticated by a bearer token and carrying no session
// cookie are exempt: nothing ambient authenticates them, and a cross-site
// page cannot set an Authorization header.
func Check() *hook.Handler[*core.RequestEvent] {
	return &hook.Handler[*core.RequestEvent]{
		Id: CheckMiddlewareId,
		Func: func(e *core.RequestEvent) error {
			switch e.Request.Method {
			case http.MethodGet, http.MethodHead, http.MethodOptions:
				return e.Next()
			}
			if isBearerOnly(e.Request) {
				return e.Next()
			}
			c, err := e.Request.Cookie(CookieName)
			header := e.Request.Header.Get(HeaderName)
			if err != nil || c.Value == "" || header == "" ||
				subtle.ConstantTimeCompare([]byte(c.Value), []byte(header)) != 1 {
				return router.NewForbiddenError("csrf check failed", nil)
			}
			return e.Next()
		},
	}
}

func isBearerOnly(r *http.Request) bool {
	auth := r.Header.Get("Authorization")
	if len(auth) <= 7 || !strings.EqualFold(auth[:7], "Bearer ") {
		return false
	}
	_, err := r.Cookie(session.CookieName)
	return err != nil
}

// newToken returns 128 random bits, hex encoded.
func newToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}
