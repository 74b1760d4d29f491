package auth

import (
	"fmt"
	"slices"

	"github.com/pocketbase/pocketbase/core"
)

// StaffLoginRateLabel is PocketBase's rate-limit label of the superuser
// login routes: auth-with-password, auth-with-oauth2 and auth-with-otp of
// _superusers carry the "auth" tag.
const StaffLoginRateLabel = core.CollectionNameSuperusers + ":auth"

// limitStaffLogins turns PocketBase's rate limiter on for staff logins:
// perMinute requests a minute per client IP, then HTTP 429 (API.md §1.7).
//
// It runs when the server starts, so it holds on a fresh data dir and on an
// existing one, and the value follows the configuration (a migration could
// not read it). The settings are saved only when they differ, and they are
// stored, so staff see the rule in the admin UI.
//
// When the limiter was off, PocketBase's default rules were never in force
// and are dropped rather than switched on with it: "/api/" (300 requests in
// 10 s per IP) would throttle /api/v1.0 too. Rules staff added to a limiter
// that was already on are kept.
func limitStaffLogins(app core.App, perMinute int) error {
	s, err := app.Settings().Clone()
	if err != nil {
		return fmt.Errorf("staff login limit: %w", err)
	}
	want := core.RateLimitRule{Label: StaffLoginRateLabel, MaxRequests: perMinute, Duration: 60}
	rules := s.RateLimits.Rules
	if !s.RateLimits.Enabled {
		rules = nil
	}
	// one rule for the label, whatever its audience (PocketBase refuses two)
	others := slices.DeleteFunc(slices.Clone(rules), func(r core.RateLimitRule) bool { return r.Label == want.Label })
	if s.RateLimits.Enabled && len(others) == len(rules)-1 && slices.Contains(rules, want) {
		return nil // as configured already
	}
	s.RateLimits.Rules = append(others, want)
	s.RateLimits.Enabled = true
	if err := app.Save(s); err != nil {
		return fmt.Errorf("staff login limit: save settings: %w", err)
	}
	return nil
}
