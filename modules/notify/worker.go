package notify

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"ihome/internal/sms"
)

// idleWait is how long the worker sleeps with nothing due: the cron job
// and commits wake it sooner.
const idleWait = time.Minute

// start runs the worker goroutine: a pass at once (what a crash or a
// restart left pending), then one whenever a commit adds a message and
// when the next retry falls due.
func (m *module) start(app core.App) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.done != nil || m.ctx.Err() != nil {
		return
	}
	done := make(chan struct{})
	m.done = done
	go func() {
		defer close(done)
		timer := time.NewTimer(0)
		defer timer.Stop()
		for {
			select {
			case <-m.ctx.Done():
				return
			case <-m.wake:
			case <-timer.C:
			}
			wait := idleWait
			if next := m.deliver(m.ctx, app); !next.IsZero() {
				wait = min(max(next.Sub(m.cfg.Now()), 0), idleWait)
			}
			timer.Reset(wait)
		}
	}()
}

// stop ends the worker: a send in flight is cancelled (its row is retried
// after its backoff, so the message is not lost).
func (m *module) stop() {
	m.cancel()
	m.mu.Lock()
	done := m.done
	m.mu.Unlock()
	if done != nil {
		<-done
	}
}

// signal wakes the worker without blocking.
func (m *module) signal() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// deliver sends the due messages, at most Batch, and returns when the
// next pending one falls due (zero when none is pending).
func (m *module) deliver(ctx context.Context, app core.App) time.Time {
	m.pass.Lock()
	defer m.pass.Unlock()
	now := m.cfg.Now()
	var ids []string
	err := app.DB().Select("id").From(OutboxCollection).
		Where(dbx.HashExp{FieldState: StatePending}).
		AndWhere(dbx.NewExp(FieldNextTry+" <= {:now}", dbx.Params{"now": dbTime(now)})).
		OrderBy(FieldNextTry, "created", "id").Limit(int64(m.cfg.Batch)).Column(&ids)
	if err != nil {
		app.Logger().Error("notify: cannot read the outbox", "error", err)
		return now.Add(idleWait)
	}
	moved := 0
	for _, id := range ids {
		if ctx.Err() != nil {
			break
		}
		if m.attempt(ctx, app, id) {
			moved++
		}
	}
	if len(ids) == m.cfg.Batch && moved > 0 {
		return now // more are due (a batch that cannot move waits, not spins)
	}
	var next sql.NullString
	err = app.DB().Select("MIN(" + FieldNextTry + ")").From(OutboxCollection).
		Where(dbx.HashExp{FieldState: StatePending}).Row(&next)
	if err != nil || !next.Valid {
		return time.Time{}
	}
	t, err := types.ParseDateTime(next.String)
	if err != nil {
		return time.Time{}
	}
	return t.Time()
}

// attempt sends outbox row id once. The attempt is recorded (attempts,
// next try after the backoff) and committed before the vendor is called:
// if the process dies during the call, the row is sent again after its
// backoff with the same idempotency key (at least once). It reports
// whether the row moved on (tried, or held back for quiet hours).
func (m *module) attempt(ctx context.Context, app core.App, id string) bool {
	now := m.cfg.Now()
	var rec *core.Record
	held := false
	err := app.RunInTransaction(func(tx core.App) error {
		r, err := tx.FindRecordById(OutboxCollection, id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // deleted meanwhile (staff, a cascade)
		} else if err != nil {
			return err
		}
		if r.GetString(FieldState) != StatePending || r.GetDateTime(FieldNextTry).Time().After(now) {
			return nil // changed meanwhile
		}
		if end, quiet := m.quiet.until(now, m.cfg.Location); quiet && !r.GetBool(FieldUrgent) {
			r.Set(FieldNextTry, end)
			held = true
			return tx.Save(r)
		}
		attempts := r.GetInt(FieldAttempts) + 1
		r.Set(FieldAttempts, attempts)
		r.Set(FieldNextTry, now.Add(m.backoff(attempts)))
		if err := tx.Save(r); err != nil {
			return err
		}
		rec = r
		return nil
	})
	if err != nil {
		app.Logger().Error("notify: cannot claim an outbox row", "id", id, "error", err)
		return false
	}
	if rec == nil {
		return held
	}

	msg, err := message(rec)
	if err == nil {
		err = m.cfg.SMS.Send(ctx, app, rec.GetString(FieldMobile), msg)
	}
	attempts := rec.GetInt(FieldAttempts)
	switch {
	case err == nil:
		rec.Set(FieldState, StateSent)
		rec.Set(FieldSentAt, m.cfg.Now())
		rec.Set(FieldLastError, "")
		rec.Set(FieldProvider, m.provider)
	case ctx.Err() != nil:
		// shutting down: the claim's backoff brings it back after a restart
		rec.Set(FieldLastError, truncate("interrupted by shutdown: "+err.Error(), 1000))
	default:
		rec.Set(FieldLastError, truncate(err.Error(), 1000))
		if sms.IsPermanent(err) || attempts >= m.cfg.MaxAttempts {
			rec.Set(FieldState, StateFailed)
		}
	}
	if saveErr := app.Save(rec); saveErr != nil {
		// a sent message may be sent again after the backoff: at least once
		app.Logger().Error("notify: cannot record a send", "id", id, "key", rec.GetString(FieldKey), "sent", err == nil, "error", saveErr)
	}
	if err != nil {
		level := app.Logger().Warn
		if rec.GetString(FieldState) == StateFailed {
			level = app.Logger().Error
		}
		level("notify: text message not sent", "id", id, "key", rec.GetString(FieldKey), "template", rec.GetString(FieldTemplate),
			"attempt", attempts, "state", rec.GetString(FieldState), "next_try", rec.GetDateTime(FieldNextTry).String(), "error", err)
	}
	return true
}

// backoff is the wait after the n-th failed attempt: RetryBase doubling,
// at most RetryMax.
func (m *module) backoff(n int) time.Duration {
	d := m.cfg.RetryBase
	for i := 1; i < n && d < m.cfg.RetryMax; i++ {
		d *= 2
	}
	return min(d, m.cfg.RetryMax)
}

// message rebuilds the text message of an outbox row.
func message(r *core.Record) (sms.Message, error) {
	var params map[string]string
	if err := r.UnmarshalJSONField(FieldParams, &params); err != nil {
		return sms.Message{}, err
	}
	tpl, ok := sms.Lookup(r.GetString(FieldTemplate))
	if !ok {
		return sms.Message{}, errors.New("notify: unknown template " + r.GetString(FieldTemplate))
	}
	return sms.Message{Template: tpl.Name, Params: params, Key: r.GetString(FieldKey),
		Text: "【爱家租房】" + tpl.Render(params)}, nil
}

// dbTime is t as PocketBase stores dates ("2006-01-02 15:04:05.000Z"),
// which sorts as text.
func dbTime(t time.Time) string {
	dt, _ := types.ParseDateTime(t)
	return dt.String()
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
