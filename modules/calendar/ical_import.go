package calendar

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"ihome/internal/stay"
)

// Import limits (API.md §7.4); the timeout is Config.FeedTimeout (10 s).
const (
	feedMaxBytes  = 1 << 20
	feedRedirects = 5
	importHorizon = 366 // days ahead an imported event may block
)

// Why a fetch failed, as the host reads it in last_error (API.md §7.4);
// the cause behind each goes to the log for staff.
var (
	errPrivate   = errors.New("日历地址不是公网地址（内网、本机或链路本地地址），已拒绝访问")
	errRedirects = errors.New("日历地址重定向过多，或重定向到了非 http(s) 地址")
	errTimeout   = errors.New("日历服务器在规定时间内没有响应")
	errNoHost    = errors.New("找不到日历服务器（域名无法解析）")
	errConnect   = errors.New("无法连接日历服务器")
	errTooLarge  = fmt.Errorf("日历文件超过 %d 字节", feedMaxBytes)
	errNotICal   = errors.New("不是有效的 iCalendar (.ics) 日历文件")
)

// hostMessage is err as the host reads it: one of the errors above (or an
// HTTP status) rather than Go's transport error text.
func hostMessage(err error) string {
	var dnsErr *net.DNSError
	var netErr net.Error
	for _, known := range []error{errPrivate, errRedirects, errTooLarge, errNotICal} {
		if errors.Is(err, known) {
			return known.Error()
		}
	}
	switch {
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return errNoHost.Error()
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &netErr) && netErr.Timeout():
		return errTimeout.Error()
	}
	var status httpStatus
	if errors.As(err, &status) {
		return status.Error()
	}
	return errConnect.Error()
}

// httpStatus is a feed server's answer other than 200 OK.
type httpStatus int

func (s httpStatus) Error() string { return fmt.Sprintf("日历服务器返回 HTTP %d", int(s)) }

// feedClient fetches feeds over http/https only, within the time limit,
// and connects only to addresses allowed says yes to (publicAddr in
// production; nil allows all, for --ical-allow-private). The check runs on
// the resolved address at dial time, so a DNS name pointing inside and a
// redirect to 127.0.0.1 are refused alike (SSRF).
func feedClient(allowed func(netip.Addr) bool, feedTimeout time.Duration) *http.Client {
	dialer := &net.Dialer{Timeout: feedTimeout}
	if allowed != nil {
		dialer.Control = func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil || !allowed(ap.Addr()) {
				return errPrivate
			}
			return nil
		}
	}
	return &http.Client{
		Timeout: feedTimeout,
		Transport: &http.Transport{
			DialContext:           dialer.DialContext,
			TLSHandshakeTimeout:   feedTimeout,
			ResponseHeaderTimeout: feedTimeout,
			MaxIdleConns:          1,
			DisableKeepAlives:     true,
		},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= feedRedirects || req.URL.Scheme != "http" && req.URL.Scheme != "https" {
				return errRedirects
			}
			return nil
		},
	}
}

// publicAddr reports whether a is a public unicast address: not loopback,
// private (RFC 1918, fc00::/7), link-local (which holds the cloud metadata
// address 169.254.169.254), CGNAT, multicast or unspecified.
func publicAddr(a netip.Addr) bool {
	a = a.Unmap()
	cgnat := netip.MustParsePrefix("100.64.0.0/10")
	return a.IsValid() && a.IsGlobalUnicast() && !a.IsPrivate() && !a.IsLoopback() &&
		!a.IsLinkLocalUnicast() && !cgnat.Contains(a) && a != netip.MustParseAddr("0.0.0.0")
}

// validFeedURL accepts an absolute http or https URL with a host.
func validFeedURL(raw string) bool {
	if len(raw) > 2048 {
		return false
	}
	u, err := http.NewRequest(http.MethodGet, raw, nil)
	return err == nil && (u.URL.Scheme == "http" || u.URL.Scheme == "https") && u.URL.Host != "" && u.URL.User == nil
}

// feedEvents is what one fetch of a feed yields.
type feedEvents struct {
	blocks    []importedBlock
	recurring int // events with RRULE/RDATE, skipped
}

type importedBlock struct {
	uid string
	w   stay.Range
}

// fetchFeed downloads and parses one feed. Each VEVENT blocks the days it
// touches in loc: an all-day event from DTSTART to the day before DTEND
// (one day when DTEND is absent); a timed one every day it spans, its end
// exclusive. Recurring events are skipped and counted (reported in
// last_error): expanding RRULEs is left out on purpose, as the platforms
// hosts import from export bookings as single events. Cancelled events and
// those wholly in the past or past the horizon are left out.
func fetchFeed(ctx context.Context, client *http.Client, url string, loc *time.Location, today stay.Date) (feedEvents, error) {
	var out feedEvents
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return out, err
	}
	req.Header.Set("Accept", "text/calendar")
	resp, err := client.Do(req)
	if err != nil {
		return out, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return out, httpStatus(resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, feedMaxBytes+1))
	if err != nil {
		return out, err
	}
	if len(body) > feedMaxBytes {
		return out, errTooLarge
	}
	cal, err := ics.ParseCalendar(strings.NewReader(string(body)))
	if err != nil {
		return out, fmt.Errorf("%w: %w", errNotICal, err)
	}
	horizon := today.AddDays(importHorizon)
	for _, ev := range cal.Events() {
		if ev.GetProperty(ics.ComponentPropertyRrule) != nil || ev.GetProperty(ics.ComponentPropertyRdate) != nil {
			out.recurring++
			continue
		}
		if st := ev.GetProperty(ics.ComponentPropertyStatus); st != nil && strings.EqualFold(st.Value, "CANCELLED") {
			continue
		}
		w, ok := eventDays(ev, loc)
		if !ok || w.End < today || w.Start > horizon {
			continue
		}
		w.Start, w.End = max(w.Start, today), min(w.End, horizon)
		uid := ""
		if p := ev.GetProperty(ics.ComponentPropertyUniqueId); p != nil {
			uid = p.Value
		}
		out.blocks = append(out.blocks, importedBlock{uid: truncate(uid, 255), w: w})
	}
	return out, nil
}

// eventDays is the inclusive range of days an event takes.
func eventDays(ev *ics.VEvent, loc *time.Location) (stay.Range, bool) {
	start := ev.GetProperty(ics.ComponentPropertyDtStart)
	if start == nil {
		return stay.Range{}, false
	}
	allDay := len(start.Value) == 8 || paramIs(start, "VALUE", "DATE")
	if allDay {
		s, err := ev.GetAllDayStartAt()
		if err != nil {
			return stay.Range{}, false
		}
		first := stay.FromTime(s)
		last := first
		if ev.GetProperty(ics.ComponentPropertyDtEnd) != nil {
			e, err := ev.GetAllDayEndAt()
			if err != nil {
				return stay.Range{}, false
			}
			last = max(first, stay.FromTime(e).AddDays(-1)) // DTEND is exclusive
		}
		return stay.Range{Start: first, End: last}, true
	}
	s, err := ev.GetStartAt()
	if err != nil {
		return stay.Range{}, false
	}
	floating := !strings.HasSuffix(start.Value, "Z") && !hasParam(start, "TZID")
	first := timeOf(s, floating, loc)
	last := first
	if end := ev.GetProperty(ics.ComponentPropertyDtEnd); end != nil {
		e, err := ev.GetEndAt()
		if err != nil {
			return stay.Range{}, false
		}
		// an end at midnight does not take that day
		last = max(first, timeOf(e.Add(-time.Second), !strings.HasSuffix(end.Value, "Z") && !hasParam(end, "TZID"), loc))
	}
	return stay.Range{Start: first, End: last}, true
}

func hasParam(p *ics.IANAProperty, name string) bool {
	_, ok := p.ICalParameters[name]
	return ok
}

func paramIs(p *ics.IANAProperty, name, value string) bool {
	v := p.ICalParameters[name]
	return len(v) == 1 && strings.EqualFold(v[0], value)
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// syncFeed fetches one feed and replaces its blocks in one transaction;
// a block over an occupying order is kept, marked as a conflict. A failing
// fetch keeps the last blocks and records last_error.
func (m *module) syncFeed(ctx context.Context, app core.App, feed *core.Record) error {
	today := stay.Today(m.cfg.Now(), m.cfg.Location)
	got, fetchErr := fetchFeed(ctx, m.client, feed.GetString(FieldURL), m.cfg.Location, today)
	return app.RunInTransaction(func(tx core.App) error {
		fresh, err := tx.FindRecordById(FeedsCollection, feed.Id)
		if err != nil {
			return err // removed meanwhile
		}
		if fetchErr != nil {
			app.Logger().Warn("calendar import: fetch failed", "feed", fresh.Id, "url", fresh.GetString(FieldURL), "error", fetchErr)
			fresh.Set(FieldLastError, truncate(hostMessage(fetchErr), 500))
			return tx.Save(fresh)
		}
		house := fresh.GetString(FieldHouse)
		var old []*core.Record
		if err := tx.RecordQuery(BlocksCollection).Where(dbx.HashExp{FieldFeed: fresh.Id}).All(&old); err != nil {
			return err
		}
		for _, b := range old {
			if err := tx.Delete(b); err != nil {
				return err
			}
		}
		col, err := tx.FindCachedCollectionByNameOrId(BlocksCollection)
		if err != nil {
			return err
		}
		for _, ib := range got.blocks {
			taken, err := occupiedIn(tx, house, ib.w)
			if err != nil {
				return err
			}
			b := core.NewRecord(col)
			b.Set(FieldHouse, house)
			b.Set(FieldStartDate, ib.w.Start.String())
			b.Set(FieldEndDate, ib.w.End.String())
			b.Set(FieldFeed, fresh.Id)
			b.Set(FieldUID, ib.uid)
			b.Set(FieldConflict, len(taken) > 0)
			if err := tx.Save(b); err != nil {
				return err
			}
		}
		fresh.Set(FieldLastSync, types.NowDateTime())
		fresh.Set(FieldLastError, "")
		if got.recurring > 0 {
			fresh.Set(FieldLastError, fmt.Sprintf("跳过了 %d 个重复事件 (RRULE)", got.recurring))
		}
		return tx.Save(fresh)
	})
}

// syncAll syncs every feed, one after another (the 15-minute cron job).
func (m *module) syncAll(app core.App) {
	feeds, err := app.FindAllRecords(FeedsCollection)
	if err != nil {
		app.Logger().Error("calendar import: listing feeds failed", "error", err)
		return
	}
	for _, f := range feeds {
		if err := m.syncFeed(context.Background(), app, f); err != nil {
			app.Logger().Error("calendar import: saving a feed failed", "feed", f.Id, "error", err)
		}
	}
}
