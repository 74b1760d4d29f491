// Package session issues, verifies and revokes login sessions (API.md §1.4).
//
// A session is a row of the sessions collection; the client holds a signed
// token (HS256 JWT) naming that row, in the "session" cookie or as
// "Authorization: Bearer". The row is the truth: deleting it revokes the
// token at once. The HMAC key lives in the data dir, never in code.
package session

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
)

// Collection and field names of the sessions collection.
const (
	Collection     = "sessions"
	FieldUser      = "user"
	FieldExpires   = "expires"
	FieldIP        = "ip"
	FieldUserAgent = "user_agent"
)

// CookieName is the session cookie of the contract.
const CookieName = "session"

// MiddlewareId identifies the middleware that resolves the session.
const MiddlewareId = "ihomeSession"

const (
	keyFile     = "session.key"
	userKey     = "ihome.user"
	sessionKey  = "ihome.session"
	userCollect = "users"
)

// DefaultTTL is the session lifetime when Config.TTL is zero.
const DefaultTTL = 7 * 24 * time.Hour

// Config tunes sessions.
type Config struct {
	TTL time.Duration
	Now func() time.Time // injectable clock for tests; time.Now when nil

	// SecureCookies marks the session and csrf_token cookies Secure on
	// every response, for a TLS-terminating proxy that sends no
	// X-Forwarded-Proto (API.md §1.7).
	SecureCookies bool
}

// Manager issues and checks sessions for one app.
type Manager struct {
	ttl    time.Duration
	now    func() time.Time
	secure bool // Config.SecureCookies

	mu  sync.Mutex
	key []byte // loaded from the data dir on first use
}

// NewManager returns a Manager for cfg.
func NewManager(cfg Config) *Manager {
	m := &Manager{ttl: cfg.TTL, now: cfg.Now, secure: cfg.SecureCookies}
	if m.ttl <= 0 {
		m.ttl = DefaultTTL
	}
	if m.now == nil {
		m.now = time.Now
	}
	return m
}

// TTL returns the session lifetime.
func (m *Manager) TTL() time.Duration { return m.ttl }

// Issue creates a session for user, sets the cookie and returns the token.
func (m *Manager) Issue(e *core.RequestEvent, user *core.Record) (string, error) {
	col, err := e.App.FindCachedCollectionByNameOrId(Collection)
	if err != nil {
		return "", err
	}
	expires := m.now().Add(m.ttl)
	rec := core.NewRecord(col)
	rec.Set(FieldUser, user.Id)
	rec.Set(FieldExpires, expires)
	rec.Set(FieldIP, e.RealIP())
	rec.Set(FieldUserAgent, truncate(e.Request.UserAgent(), 255))
	if err := e.App.Save(rec); err != nil {
		return "", fmt.Errorf("save session: %w", err)
	}
	token, err := m.sign(e.App, rec.Id, expires)
	if err != nil {
		return "", err
	}
	e.SetCookie(&http.Cookie{
		Name:     CookieName,
		Value:    token,
		Path:     "/",
		Expires:  expires,
		MaxAge:   int(m.ttl / time.Second),
		HttpOnly: true,
		Secure:   m.Secure(e),
		SameSite: http.SameSiteLaxMode,
	})
	e.Set(userKey, user)
	e.Set(sessionKey, rec.Id)
	return token, nil
}

// Revoke ends the request's session (if any) and clears the cookie.
func (m *Manager) Revoke(e *core.RequestEvent) error {
	if sid, _ := e.Get(sessionKey).(string); sid != "" {
		if rec, err := e.App.FindRecordById(Collection, sid); err == nil {
			if err := e.App.Delete(rec); err != nil {
				return fmt.Errorf("delete session: %w", err)
			}
		}
	}
	m.clear(e)
	return nil
}

// RevokeAll ends every session of the request's user, on every device,
// and clears the cookie (DELETE /sessions, API.md §1.7). Anonymous
// requests only get the cookie cleared.
func (m *Manager) RevokeAll(e *core.RequestEvent) error {
	if user := User(e); user != nil {
		if err := deleteAll(e.App, user.Id); err != nil {
			return err
		}
	}
	m.clear(e)
	return nil
}

// clear expires the session cookie and forgets the request's session.
func (m *Manager) clear(e *core.RequestEvent) {
	e.SetCookie(&http.Cookie{
		Name:     CookieName,
		Value:    "",
		Path:     "/",
		MaxAge:   -1,
		HttpOnly: true,
		Secure:   m.Secure(e),
		SameSite: http.SameSiteLaxMode,
	})
	e.Set(userKey, nil)
	e.Set(sessionKey, "")
}

// User returns the logged-in user of the request, or nil.
func User(e *core.RequestEvent) *core.Record {
	u, _ := e.Get(userKey).(*core.Record)
	return u
}

// Middleware resolves the request's session, if valid, into User(e).
// Invalid, expired or revoked tokens simply leave the request anonymous.
func (m *Manager) Middleware() *hook.Handler[*core.RequestEvent] {
	return &hook.Handler[*core.RequestEvent]{
		Id: MiddlewareId,
		Func: func(e *core.RequestEvent) error {
			// PocketBase's own token loader may have set a superuser here;
			// /api/v1.0 knows only its own sessions.
			e.Auth = nil
			if token := tokenFromRequest(e.Request); token != "" {
				user, sid, err := m.resolve(e.App, token)
				if err != nil {
					e.App.Logger().Debug("session rejected", "error", err)
				} else {
					e.Auth = user
					e.Set(userKey, user)
					e.Set(sessionKey, sid)
				}
			}
			return e.Next()
		},
	}
}

func (m *Manager) resolve(app core.App, token string) (*core.Record, string, error) {
	key, err := m.signingKey(app)
	if err != nil {
		return nil, "", err
	}
	claims := &jwt.RegisteredClaims{}
	_, err = jwt.ParseWithClaims(token, claims,
		func(*jwt.Token) (any, error) { return key, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(m.now),
	)
	if err != nil {
		return nil, "", err
	}
	rec, err := app.FindRecordById(Collection, claims.ID)
	if err != nil {
		return nil, "", fmt.Errorf("session %q: %w", claims.ID, err)
	}
	if !rec.GetDateTime(FieldExpires).Time().After(m.now()) {
		return nil, "", errors.New("session expired")
	}
	user, err := app.FindRecordById(userCollect, rec.GetString(FieldUser))
	if err != nil {
		return nil, "", fmt.Errorf("session user: %w", err)
	}
	return user, rec.Id, nil
}

func (m *Manager) sign(app core.App, sid string, expires time.Time) (string, error) {
	key, err := m.signingKey(app)
	if err != nil {
		return "", err
	}
	claims := jwt.RegisteredClaims{
		ID:        sid,
		IssuedAt:  jwt.NewNumericDate(m.now()),
		ExpiresAt: jwt.NewNumericDate(expires),
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(key)
}

// signingKey loads the HMAC key from the data dir, creating it on first use.
func (m *Manager) signingKey(app core.App) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.key != nil {
		return m.key, nil
	}
	path := filepath.Join(app.DataDir(), keyFile)
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		raw = []byte(hex.EncodeToString(b))
		if err := os.WriteFile(path, raw, 0o600); err != nil {
			return nil, fmt.Errorf("write session key: %w", err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("read session key: %w", err)
	}
	key := bytes.TrimSpace(raw)
	if len(key) < 32 {
		return nil, fmt.Errorf("session key in %s is too short", path)
	}
	m.key = key
	return key, nil
}

func tokenFromRequest(r *http.Request) string {
	if auth := r.Header.Get("Authorization"); len(auth) > 7 && strings.EqualFold(auth[:7], "Bearer ") {
		return strings.TrimSpace(auth[7:])
	}
	if c, err := r.Cookie(CookieName); err == nil {
		return c.Value
	}
	return ""
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
