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

// resultFlush bounds how long sent messages wait to be recorded: results
// are written together, but a slow vendor does not hold them back long
// (a crash before they are recorded sends them again: at least once).
const resultFlush = time.Second

// deliver sends the due messages, at most Batch, and returns when the
// next pending one falls due (zero when none is pending). The batch is
// claimed in one transaction and its results recorded in one (or one per
// resultFlush of sending): under a burst of bookings the worker costs
// SQLite's single writer two transactions a batch, not two a message.
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
	claimed, moved, err := m.claim(app, ids, now)
	if err != nil {
		app.Logger().Error("notify: cannot claim outbox rows", "ids", ids, "error", err)
	}
	var done []*core.Record
	flushed := time.Now()
	for _, rec := range claimed {
		if ctx.Err() != nil {
			break // the claims' backoff brings the rest back after a restart
		}
		m.send(ctx, app, rec)
		done = append(done, rec)
		if time.Since(flushed) >= resultFlush {
			m.record(app, done)
			done, flushed = done[:0], time.Now()
		}
	}
	m.record(app, done)
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

// claim records an attempt on each row of ids still due (attempts + 1,
// next try after the backoff), or holds it back to the end of quiet
// hours, in one transaction committed before any vendor call: if the
// process dies during a call, the row is sent again after its backoff with
// the same idempotency key (at least once). It returns the rows to send
// and how many rows moved on (claimed or held back).
func (m *module) claim(app core.App, ids []string, now time.Time) ([]*core.Record, int, error) {
	if len(ids) == 0 {
		return nil, 0, nil
	}
	var claimed []*core.Record
	held := 0
	err := app.RunInTransaction(func(tx core.App) error {
		claimed, held = claimed[:0], 0
		rows, err := tx.FindRecordsByIds(OutboxCollection, ids) // rows deleted meanwhile (staff, a cascade) are absent
		if err != nil {
			return err
		}
		quietEnd, quiet := m.quiet.until(now, m.cfg.Location)
		for _, r := range rows {
			if r.GetString(FieldState) != StatePending || r.GetDateTime(FieldNextTry).Time().After(now) {
				continue // changed meanwhile
			}
			if quiet && !r.GetBool(FieldUrgent) {
				r.Set(FieldNextTry, quietEnd)
				held++
			} else {
				attempts := r.GetInt(FieldAttempts) + 1
				r.Set(FieldAttempts, attempts)
				r.Set(FieldNextTry, now.Add(m.backoff(attempts)))
				claimed = append(claimed, r)
			}
			if err := tx.Save(r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	return claimed, len(claimed) + held, nil
}

// send hands a claimed row's message to the vendor once and sets the
// outcome on rec (sent, or the error; FAILED when permanent or out of
// attempts), for record to store.
func (m *module) send(ctx context.Context, app core.App, rec *core.Record) {
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
		return
	case ctx.Err() != nil:
		// shutting down: the claim's backoff brings it back after a restart
		rec.Set(FieldLastError, truncate("interrupted by shutdown: "+err.Error(), 1000))
	default:
		rec.Set(FieldLastError, truncate(err.Error(), 1000))
		if sms.IsPermanent(err) || attempts >= m.cfg.MaxAttempts {
			rec.Set(FieldState, StateFailed)
		}
	}
	level := app.Logger().Warn
	if rec.GetString(FieldState) == StateFailed {
		level = app.Logger().Error
	}
	level("notify: text message not sent", "id", rec.Id, "key", rec.GetString(FieldKey), "template", rec.GetString(FieldTemplate),
		"attempt", attempts, "state", rec.GetString(FieldState), "next_try", rec.GetDateTime(FieldNextTry).String(), "error", err)
}

// record stores the outcomes of sent rows in one transaction, or, when
// that fails, row by row, so that one bad row does not lose the others'.
func (m *module) record(app core.App, recs []*core.Record) {
	if len(recs) == 0 {
		return
	}
	err := app.RunInTransaction(func(tx core.App) error {
		for _, r := range recs {
			if err := tx.Save(r); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		return
	}
	for _, r := range recs {
		if err := app.Save(r); err != nil {
			// a sent message may be sent again after the backoff: at least once
			app.Logger().Error("notify: cannot record a send", "id", r.Id, "key", r.GetString(FieldKey),
				"sent", r.GetString(FieldState) == StateSent, "error", err)
		}
	}
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
