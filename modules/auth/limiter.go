package auth

import (
	"slices"
	"sync"
	"time"
)

// rule is one throttle: at most limit events in any window for key;
// reaching the limit blocks the key for block (the window when zero).
type rule struct {
	key    string
	limit  int
	window time.Duration
	block  time.Duration
}

type counter struct {
	events       []time.Time // within the last window, oldest first
	window       time.Duration
	blockedUntil time.Time
}

// limiter counts events in memory over sliding windows. Checking and
// counting happen under one lock, so parallel requests cannot slip past a
// limit. Counts do not survive a restart, which only ever loosens a
// throttle for a moment.
type limiter struct {
	mu sync.Mutex
	m  map[string]*counter
}

func newLimiter() *limiter { return &limiter{m: map[string]*counter{}} }

// take counts one event against every rule, or none when any rule is at its
// limit or blocked; it reports whether the event was allowed.
func (l *limiter) take(now time.Time, rules ...rule) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range rules {
		c := l.current(r, now)
		if now.Before(c.blockedUntil) || len(c.events) >= r.limit {
			return false
		}
	}
	for _, r := range rules {
		c := l.m[r.key]
		c.events = append(c.events, now)
		if len(c.events) >= r.limit {
			block := r.block
			if block == 0 {
				block = r.window
			}
			c.blockedUntil = now.Add(block)
		}
	}
	return true
}

// refund takes back the latest event of key (a login that turned out to succeed).
func (l *limiter) refund(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if c, ok := l.m[key]; ok && len(c.events) > 0 {
		c.events = c.events[:len(c.events)-1]
		c.blockedUntil = time.Time{}
	}
}

// reset forgets key.
func (l *limiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.m, key)
}

// purge drops counters that no longer limit anything.
func (l *limiter) purge(now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for k, c := range l.m {
		c.forget(now)
		if len(c.events) == 0 && !now.Before(c.blockedUntil) {
			delete(l.m, k)
		}
	}
}

// current returns key's counter without the events that left its window.
func (l *limiter) current(r rule, now time.Time) *counter {
	c, ok := l.m[r.key]
	if !ok {
		c = &counter{window: r.window}
		l.m[r.key] = c
	}
	c.window = r.window
	c.forget(now)
	return c
}

func (c *counter) forget(now time.Time) {
	cut := now.Add(-c.window)
	i := slices.IndexFunc(c.events, func(t time.Time) bool { return t.After(cut) })
	if i < 0 {
		i = len(c.events)
	}
	c.events = c.events[i:]
}
