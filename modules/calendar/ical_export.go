package calendar

import (
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/http"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"ihome/internal/errno"
	"ihome/internal/stay"
	"ihome/modules/house"
	"ihome/modules/order"
)

// exportPastDays is how far back the feed reaches: other platforms only
// care about days still to come, and a short past keeps the feed small.
const exportPastDays = 30

// GET /houses/{house_id}/calendar.ics?token=T (API.md §7.4): the house's
// taken days as an RFC 5545 calendar, for other platforms to import. One
// all-day VEVENT per occupying order ("已预订") or host block ("不可订"),
// DTEND the day after the last, a stable UID; no guest data. Imported
// blocks are not exported back, so two platforms that import each other
// do not echo. Public with the house's secret token; a wrong one is 4105.
func (m *module) exportICS(e *core.RequestEvent) error {
	h, err := house.FindVisible(e.App, e.Request.PathValue("house_id"), nil)
	if err != nil {
		return err
	}
	want, err := tokenOf(e.App, h.Id, false)
	if err != nil {
		return err
	}
	got := e.Request.URL.Query().Get("token")
	if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return errno.New(errno.RoleErr, "日历链接无效")
	}
	from := stay.Today(m.cfg.Now(), m.cfg.Location).AddDays(-exportPastDays)

	cal := ics.NewCalendarFor("iHome")
	cal.SetMethod(ics.MethodPublish)
	cal.SetXWRCalName(h.GetString(house.FieldTitle))
	add := func(uid, summary string, r stay.Range, stamp string) {
		ev := cal.AddEvent(uid)
		dt, _ := types.ParseDateTime(stamp)
		ev.SetDtStampTime(dt.Time())
		ev.SetAllDayStartAt(r.Start.Time())
		ev.SetAllDayEndAt(r.End.AddDays(1).Time()) // exclusive (RFC 5545 §3.6.1)
		ev.SetSummary(summary)
	}
	var rows []struct {
		dated
		Updated string `db:"updated"`
	}
	err = e.App.DB().Select("id", order.FieldStartDate+" AS start_date", order.FieldEndDate+" AS end_date", "updated").
		From(order.Collection).
		Where(dbx.HashExp{order.FieldHouse: h.Id}).
		AndWhere(dbx.NewExp(order.FieldEndDate+" >= {:from} AND "+order.FieldStatus+" IN ("+order.OccupyingSQL()+")",
			dbx.Params{"from": from.String()})).
		OrderBy(order.FieldStartDate).All(&rows)
	if err != nil {
		return err
	}
	for _, r := range rows {
		add("order-"+r.Id+"@ihome", "已预订", r.stay(), r.Updated)
	}
	rows = nil
	err = e.App.DB().Select("id", FieldStartDate+" AS start_date", FieldEndDate+" AS end_date", "updated").
		From(BlocksCollection).
		Where(dbx.HashExp{FieldHouse: h.Id, FieldFeed: ""}).
		AndWhere(dbx.NewExp(FieldEndDate+" >= {:from}", dbx.Params{"from": from.String()})).
		OrderBy(FieldStartDate).All(&rows)
	if err != nil {
		return err
	}
	for _, r := range rows {
		add("block-"+r.Id+"@ihome", "不可订", r.stay(), r.Updated)
	}
	e.Response.Header().Set("Cache-Control", "no-store")
	return e.Blob(http.StatusOK, "text/calendar; charset=utf-8", []byte(cal.Serialize(ics.WithNewLineWindows))) // CRLF (RFC 5545 §3.1)
}

// tokenOf returns the house's export token; with create, one is made when
// the house has none yet ("" otherwise).
func tokenOf(app core.App, houseId string, create bool) (string, error) {
	rec, err := app.FindFirstRecordByData(TokensCollection, FieldHouse, houseId)
	if err == nil {
		return rec.GetString(FieldToken), nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}
	if !create {
		return "", nil
	}
	return rotateToken(app, houseId)
}

// rotateToken gives the house a new random token (256 bits), so an
// export URL that leaked stops working.
func rotateToken(app core.App, houseId string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	token := hex.EncodeToString(b)
	err := app.RunInTransaction(func(tx core.App) error {
		rec, err := tx.FindFirstRecordByData(TokensCollection, FieldHouse, houseId)
		if errors.Is(err, sql.ErrNoRows) {
			col, err := tx.FindCachedCollectionByNameOrId(TokensCollection)
			if err != nil {
				return err
			}
			rec = core.NewRecord(col)
			rec.Set(FieldHouse, houseId)
		} else if err != nil {
			return err
		}
		rec.Set(FieldToken, token)
		return tx.Save(rec)
	})
	return token, err
}

// exportURL is the absolute URL of the house's feed, on the host and
// scheme the owner reached us by (behind a TLS proxy, the scheme the
// trusted proxy reports: the rule of the Secure cookie, API.md §1.7).
func (m *module) exportURL(e *core.RequestEvent, houseId, token string) string {
	scheme := "http"
	if m.secure(e) {
		scheme = "https"
	}
	return scheme + "://" + e.Request.Host + "/api/v1.0/houses/" + houseId + "/calendar.ics?token=" + token
}

// timeOf reads an iCal date-time as a calendar date in loc: floating times
// (no Z, no TZID) are wall-clock times of loc.
func timeOf(t time.Time, floating bool, loc *time.Location) stay.Date {
	if floating {
		t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, loc)
	}
	return stay.FromTime(t.In(loc))
}
