package sms

import (
	"context"

	"github.com/pocketbase/pocketbase/core"
)

// Columns of the collection the Log provider writes (API.md §2.2:
// sms_outbox (mobile, text, created), superuser-only).
const (
	LogFieldMobile = "mobile"
	LogFieldText   = "text"
)

// Log is the default provider (API.md §2.2): it writes each message to
// the server log and to Collection (sms_outbox), where staff and
// developers read it in the admin UI. It never fails but for the database.
type Log struct {
	Collection string
}

// Send implements Provider.
func (l Log) Send(_ context.Context, app core.App, mobile string, m Message) error {
	col, err := app.FindCachedCollectionByNameOrId(l.Collection)
	if err != nil {
		return err
	}
	rec := core.NewRecord(col)
	rec.Set(LogFieldMobile, mobile)
	rec.Set(LogFieldText, m.Text)
	if err := app.Save(rec); err != nil {
		return err
	}
	app.Logger().Info("sms sent (log provider)", "mobile", mobile, "template", m.Template, "text", m.Text, "key", m.Key)
	return nil
}
