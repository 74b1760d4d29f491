package session

import (
	"net/netip"
	"strings"

	"github.com/pocketbase/pocketbase/core"
)

// ForwardedProtoHeader is the header in which a TLS-terminating proxy says
// which scheme the client used.
const ForwardedProtoHeader = "X-Forwarded-Proto"

// Secure reports whether the cookies set on e's response (session and
// csrf_token) get the Secure attribute (API.md §1.4, §1.7): when e arrived
// over TLS, when Config.SecureCookies is set, or when e came through the
// trusted proxy with X-Forwarded-Proto: https.
func (m *Manager) Secure(e *core.RequestEvent) bool {
	return m.secure || e.IsTLS() || forwardedHTTPS(e)
}

// forwardedHTTPS reports whether the trusted proxy forwarded e from an
// HTTPS client. The header is believed only on a request that came through
// the trusted proxy; like a client address (e.RealIP), its last value is
// the one the nearest proxy wrote.
func forwardedHTTPS(e *core.RequestEvent) bool {
	if !viaTrustedProxy(e) {
		return false
	}
	values := e.Request.Header.Values(ForwardedProtoHeader)
	if len(values) == 0 {
		return false
	}
	last := values[len(values)-1]
	if i := strings.LastIndexByte(last, ','); i >= 0 {
		last = last[i+1:]
	}
	return strings.EqualFold(strings.TrimSpace(last), "https")
}

// viaTrustedProxy applies PocketBase's trusted-proxy rule, the one
// e.RealIP() follows: the settings name the headers the proxy sets, and a
// request came through the proxy when the last value of one of them holds
// an IP address. With no trusted proxy configured, nothing a client sends
// can make it so.
func viaTrustedProxy(e *core.RequestEvent) bool {
	for _, h := range e.App.Settings().TrustedProxy.Headers {
		values := e.Request.Header.Values(h)
		if len(values) == 0 {
			continue
		}
		for _, ip := range strings.Split(values[len(values)-1], ",") {
			if _, err := netip.ParseAddr(strings.TrimSpace(ip)); err == nil {
				return true
			}
		}
	}
	return false
}
