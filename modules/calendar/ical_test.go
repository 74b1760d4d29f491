package calendar_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"ihome/internal/apptest"
	"ihome/modules"
	"ihome/modules/calendar"
)

// TestExportFeed: §7.4's export, parsed back with golang-ical: one
// all-day event per occupying order and host block, DTEND the day after
// the last, stable UIDs, no guest data; a wrong token is 4105.
func TestExportFeed(t *testing.T) {
	app := apptest.New(t)
	owner, house := landlord(t, app)
	guest, guestC := app.NewUser(2)
	guest.Set("name", "张三")
	if err := app.Save(guest); err != nil {
		t.Fatal(err)
	}
	guestC.Post("/api/v1.0/orders", map[string]any{"house_id": house, "start_date": app.Today(3), "end_date": app.Today(4)}).OK(t)
	owner.Put("/api/v1.0/houses/"+house+"/calendar", map[string]any{"start_date": app.Today(10), "end_date": app.Today(12), "blocked": true}).OK(t)

	var feeds struct {
		ExportURL string `json:"export_url"`
		Imports   []any  `json:"imports"`
	}
	owner.Get("/api/v1.0/houses/"+house+"/calendar/feeds").OK(t).Decode(t, &feeds)
	u, err := url.Parse(feeds.ExportURL)
	if err != nil || len(u.Query().Get("token")) != 64 || feeds.Imports == nil {
		t.Fatalf("feeds %+v", feeds)
	}
	app.Client().Get(u.Path+"?token=wrong").Expect(t, http.StatusOK, "4105")
	app.Client().Get(u.Path).Expect(t, http.StatusOK, "4105")

	body := getICS(t, app, u.RequestURI())
	if strings.Contains(body, "张三") || strings.Contains(body, apptest.Mobile(2)) {
		t.Fatalf("guest data in the feed:\n%s", body)
	}
	cal, err := ics.ParseCalendar(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ev := range cal.Events() {
		s, _ := ev.GetAllDayStartAt()
		e, _ := ev.GetAllDayEndAt()
		got = append(got, fmt.Sprintf("%s %s..%s %s", ev.GetProperty(ics.ComponentPropertySummary).Value,
			s.Format(time.DateOnly), e.Format(time.DateOnly), ev.Id()))
	}
	want := []string{
		fmt.Sprintf("已预订 %s..%s order-1@ihome", app.Today(3), app.Today(5)),
		fmt.Sprintf("不可订 %s..%s block-1@ihome", app.Today(10), app.Today(13)),
	}
	if !slices.Equal(got, want) {
		t.Fatalf("events\n got %q\nwant %q", got, want)
	}

	// rotating the token ends the old URL
	var rotated struct {
		ExportURL string `json:"export_url"`
	}
	owner.Post("/api/v1.0/houses/"+house+"/calendar/feeds/token", nil).OK(t).Decode(t, &rotated)
	if rotated.ExportURL == feeds.ExportURL {
		t.Fatal("token not rotated")
	}
	app.Client().Get(u.RequestURI()).Expect(t, http.StatusOK, "4105")
	_, other := app.NewUser(3)
	other.Get("/api/v1.0/houses/"+house+"/calendar/feeds").Expect(t, http.StatusOK, "4105")
	other.Post("/api/v1.0/houses/"+house+"/calendar/feeds/token", nil).Expect(t, http.StatusOK, "4105")
}

func getICS(t *testing.T, app *apptest.App, path string) string {
	t.Helper()
	resp, err := http.Get(app.Server.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	if _, err := fmt.Fprint(&b, readAll(t, resp)); err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/calendar") {
		t.Fatalf("content type %q: %s", ct, b.String())
	}
	return b.String()
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	var sb strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		sb.Write(buf[:n])
		if err != nil {
			return sb.String()
		}
	}
}

// feedServer serves feeds that a test swaps; /hang never answers (until
// the test ends), /big is 2 MiB, /redirect points at another server.
type feedServer struct {
	mu    sync.Mutex
	feeds map[string]string
	stop  chan struct{}
	*httptest.Server
}

func newFeedServer(t *testing.T) *feedServer {
	fs := &feedServer{feeds: map[string]string{}, stop: make(chan struct{})}
	fs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/hang":
			<-fs.stop
			return
		case "/big":
			w.Write([]byte("BEGIN:VCALENDAR\r\n" + strings.Repeat("X-FILLER:"+strings.Repeat("x", 60)+"\r\n", 2<<20/71) + "END:VCALENDAR\r\n"))
			return
		}
		fs.mu.Lock()
		body, ok := fs.feeds[r.URL.Path]
		fs.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/calendar")
		w.Write([]byte(body))
	}))
	t.Cleanup(func() { close(fs.stop); fs.Close() })
	return fs
}

func (fs *feedServer) set(path, body string) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.feeds[path] = body
}

func vcal(events ...string) string {
	return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//feed//EN\r\n" + strings.Join(events, "") + "END:VCALENDAR\r\n"
}

func vevent(uid string, lines ...string) string {
	return "BEGIN:VEVENT\r\nUID:" + uid + "\r\nDTSTAMP:20260101T000000Z\r\n" + strings.Join(lines, "\r\n") + "\r\nEND:VEVENT\r\n"
}

func icalDate(app *apptest.App, days int) string {
	return strings.ReplaceAll(app.Today(days), "-", "")
}

type importItem struct {
	Id        string `json:"id"`
	URL       string `json:"url"`
	LastSync  string `json:"last_sync"`
	LastError string `json:"last_error"`
	Conflicts []struct {
		StartDate string `json:"start_date"`
		EndDate   string `json:"end_date"`
	} `json:"conflicts"`
}

// TestImportFeeds: §7.4's imports from a local feed server: all-day and
// timed events, DTEND absent, a recurring event (skipped and reported), a
// 2 MiB feed, a server that never answers; blocks replaced at each sync;
// a failing feed keeps its last blocks; a block over a booking is kept as
// a conflict.
func TestImportFeeds(t *testing.T) {
	app := apptest.New(t, apptest.WithConfig(func(c *modules.Config) {
		c.Calendar.AllowPrivateFeeds = true
		c.Calendar.FeedTimeout = 500 * time.Millisecond
	}))
	owner, house := landlord(t, app)
	_, guest := app.NewUser(2)
	guest.Post("/api/v1.0/orders", map[string]any{"house_id": house, "start_date": app.Today(20), "end_date": app.Today(21)}).OK(t)
	fs := newFeedServer(t)
	fs.set("/a.ics", vcal(
		vevent("allday", "DTSTART;VALUE=DATE:"+icalDate(app, 2), "DTEND;VALUE=DATE:"+icalDate(app, 4)),  // days 2, 3
		vevent("nodtend", "DTSTART;VALUE=DATE:"+icalDate(app, 6)),                                       // day 6
		vevent("timed", "DTSTART:"+icalDate(app, 8)+"T020000Z", "DTEND:"+icalDate(app, 9)+"T010000Z"),   // Shanghai: 8 10:00 → 9 09:00
		vevent("weekly", "DTSTART;VALUE=DATE:"+icalDate(app, 1), "RRULE:FREQ=WEEKLY;COUNT=4"),           // skipped
		vevent("clash", "DTSTART;VALUE=DATE:"+icalDate(app, 21), "DTEND;VALUE=DATE:"+icalDate(app, 23)), // over the booking
		vevent("past", "DTSTART;VALUE=DATE:"+icalDate(app, -9), "DTEND;VALUE=DATE:"+icalDate(app, -7)),  // ignored
	))
	path := "/api/v1.0/houses/" + house + "/calendar/feeds"
	var item importItem
	owner.Post(path, map[string]any{"url": fs.URL + "/a.ics"}).OK(t).Decode(t, &item)
	if item.LastSync == "" || !strings.Contains(item.LastError, "1") {
		t.Fatalf("first sync: %+v (the recurring event must be reported)", item)
	}
	blocked := func() []string {
		t.Helper()
		var out []string
		for _, d := range calendarOf(t, app.Client(), house, "?from="+app.Today(0)+"&to="+app.Today(25)).Days {
			if !d.Available {
				out = append(out, d.Date)
			}
		}
		return out
	}
	want := []string{app.Today(2), app.Today(3), app.Today(6), app.Today(8), app.Today(9), app.Today(20), app.Today(21), app.Today(22)}
	if got := blocked(); !slices.Equal(got, want) {
		t.Fatalf("after the first sync\n got %v\nwant %v", got, want)
	}
	if n := app.Count("SELECT COUNT(*) FROM " + calendar.BlocksCollection + " WHERE conflict = TRUE"); n != 1 {
		t.Fatalf("%d conflicts, want the block over the booking kept as one", n)
	}
	// the owner sees it, on the import it came from
	var feeds struct {
		Imports []importItem `json:"imports"`
	}
	owner.Get(path).OK(t).Decode(t, &feeds)
	if len(feeds.Imports) != 1 || len(feeds.Imports[0].Conflicts) != 1 ||
		feeds.Imports[0].Conflicts[0].StartDate != app.Today(21) || feeds.Imports[0].Conflicts[0].EndDate != app.Today(22) {
		t.Fatalf("imports %+v, want the conflict %s–%s", feeds.Imports, app.Today(21), app.Today(22))
	}
	if len(item.Conflicts) != 1 {
		t.Fatalf("the import's first answer: %+v, want its conflict", item)
	}
	guest.Post("/api/v1.0/orders", map[string]any{"house_id": house, "start_date": app.Today(6), "end_date": app.Today(6)}).Expect(t, http.StatusOK, "4004")

	// the next sync replaces the blocks
	fs.set("/a.ics", vcal(vevent("allday", "DTSTART;VALUE=DATE:"+icalDate(app, 5), "DTEND;VALUE=DATE:"+icalDate(app, 6))))
	app.RunCron(calendar.SyncJobId)
	if got := blocked(); !slices.Equal(got, []string{app.Today(5), app.Today(20), app.Today(21)}) {
		t.Fatalf("after the second sync: %v", got)
	}

	// failing feeds keep their last blocks and say why, in words a host reads
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close() // nothing listens there any more
	for bad, why := range map[string]string{
		fs.URL + "/big": "日历文件超过", fs.URL + "/hang": "没有响应", fs.URL + "/gone.ics": "HTTP 404", closed.URL + "/a.ics": "无法连接",
	} {
		fs.set("/a.ics", "")
		var it importItem
		owner.Post(path, map[string]any{"url": bad}).OK(t).Decode(t, &it)
		if !strings.Contains(it.LastError, why) || it.LastSync != "" {
			t.Errorf("%s: %+v, want %q and no sync", bad, it, why)
		}
		owner.Do(http.MethodDelete, path, map[string]any{"id": it.Id}).OK(t)
	}
	fs.set("/a.ics", "not a calendar")
	app.RunCron(calendar.SyncJobId)
	if got := blocked(); !slices.Equal(got, []string{app.Today(5), app.Today(20), app.Today(21)}) {
		t.Fatalf("a failing feed lost its blocks: %v", got)
	}
	var feeds2 struct {
		Imports []importItem `json:"imports"`
	}
	owner.Get(path).OK(t).Decode(t, &feeds2)
	if len(feeds2.Imports) != 1 || !strings.Contains(feeds2.Imports[0].LastError, "不是有效的 iCalendar") {
		t.Fatalf("a feed that is not a calendar: %+v", feeds2.Imports)
	}
	for _, more := range []string{"/two.ics", "/three.ics", "/four.ics", "/five.ics"} {
		owner.Post(path, map[string]any{"url": fs.URL + more}).OK(t)
	}
	owner.Post(path, map[string]any{"url": fs.URL + "/six.ics"}).Expect(t, http.StatusOK, "4004") // at most 5
	owner.Post(path, map[string]any{"url": "ftp://example.com/a.ics"}).Expect(t, http.StatusOK, "4103")

	// removing an import removes its blocks
	owner.Do(http.MethodDelete, path, map[string]any{"id": item.Id}).OK(t)
	if got := blocked(); !slices.Equal(got, []string{app.Today(20), app.Today(21)}) {
		t.Fatalf("after removing the import: %v", got)
	}
	owner.Do(http.MethodDelete, path, map[string]any{"id": item.Id}).Expect(t, http.StatusOK, "4002")
}

// TestImportRefusesPrivateAddresses: without --ical-allow-private a feed on
// the loopback interface is refused before any byte is sent.
func TestImportRefusesPrivateAddresses(t *testing.T) {
	app := apptest.New(t)
	owner, house := landlord(t, app)
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++ }))
	defer srv.Close()
	var it importItem
	owner.Post("/api/v1.0/houses/"+house+"/calendar/feeds", map[string]any{"url": srv.URL + "/a.ics"}).OK(t).Decode(t, &it)
	if !strings.Contains(it.LastError, "不是公网地址") || hits != 0 {
		t.Fatalf("loopback feed: %+v, %d requests reached it", it, hits)
	}
}
