package auth

import (
	"sync"
	"time"
)

// rule is one throttle: at most limit events per window for key; reaching
// the limit blocks the key for block (the window when zero).
type rule struct {
	key    string
	limit  int
	window time.Duration
	block  time.Duration
}

type counter struct {
	n            int
	since        time.Time
	window       time.Duration
	blockedUntil time.Time
}

// limiter counts events in memory. Checking and counting happen under one
// lock, so parallel requests cannot slip past a limit. Counts do not survive
// a restart, which only ever loosens a throttle for a moment.
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
		if now.Before(c.blockedUntil) || c.n >= r.limit {
			return false
		}
	}
	for _, r := range rules {
		c := l.m[r.key]
		c.n++
		if c.n >= r.limit {
			block := r.block
			if block == 0 {
				block = r.window
			}
			c.blockedUntil = now.Add(block)
		}
	}
	return true
}

// refund takes back one event of key (a login that turned out to succeed).
func (l *limiter) refund(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if c, ok := l.m[key]; ok && c.n > 0 {
		c.n--
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
		if !now.Before(c.since.Add(c.window)) && !now.Before(c.blockedUntil) {
			delete(l.m, k)
		}
	}
}

// current returns key's counter, starting a new window when the last ended.
func (l *limiter) current(r rule, now time.Time) *counter {
	c, ok := l.m[r.key]
	if !ok {
		c = &counter{since: now, window: r.window}
		l.m[r.key] = c
	} else if !now.Before(c.since.Add(r.window)) {
		c.n, c.since, c.window = 0, now, r.window
	}
	return c
}
