package calendar_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"ihome/internal/apptest"
	"ihome/modules/calendar"
)

type calendarDays struct {
	Days []struct {
		Date      string `json:"date"`
		Available bool   `json:"available"`
		Price     int64  `json:"price"`
	} `json:"days"`
}

// landlord returns a verified user, their client and a house of theirs at
// 100 yuan a night.
func landlord(t *testing.T, app *apptest.App) (*apptest.Client, string) {
	t.Helper()
	u, c := app.NewUser(1)
	app.Verify(u, 1)
	h := app.CreateHouse(u, map[string]any{"price": 10000})
	return c, h.Id
}

func calendarOf(t *testing.T, c *apptest.Client, house, query string) calendarDays {
	t.Helper()
	var d calendarDays
	c.Get("/api/v1.0/houses/"+house+"/calendar"+query).OK(t).Decode(t, &d)
	return d
}

// TestCalendarRules: API.md §7.1–§7.2 for the owner, another user and a
// guest, with every refusal naming its field.
func TestCalendarRules(t *testing.T) {
	app := apptest.New(t)
	owner, house := landlord(t, app)
	_, other := app.NewUser(2)
	path := "/api/v1.0/houses/" + house + "/calendar"

	// the default window: today and the 90 days after it, at the house price
	d := calendarOf(t, app.Client(), house, "")
	if len(d.Days) != 91 || d.Days[0].Date != app.Today(0) || d.Days[90].Date != app.Today(90) {
		t.Fatalf("default window: %d days from %v", len(d.Days), d.Days[0])
	}
	for _, day := range d.Days {
		if !day.Available || day.Price != 10000 {
			t.Fatalf("fresh calendar day %+v", day)
		}
	}

	block := map[string]any{"start_date": app.Today(3), "end_date": app.Today(5), "blocked": true}
	app.Client().Put(path, block).Expect(t, http.StatusOK, "4101")
	other.Put(path, block).Expect(t, http.StatusOK, "4105")
	owner.Put("/api/v1.0/houses/999/calendar", block).Expect(t, http.StatusOK, "4002")
	for _, bad := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"end_date": app.Today(3), "blocked": true}, "start_date"},
		{map[string]any{"start_date": app.Today(-1), "end_date": app.Today(3), "blocked": true}, "start_date"},
		{map[string]any{"start_date": "2026-02-30", "end_date": app.Today(3), "blocked": true}, "start_date"},
		{map[string]any{"start_date": app.Today(3), "end_date": app.Today(2), "blocked": true}, "end_date"},
		{map[string]any{"start_date": app.Today(0), "end_date": app.Today(366), "blocked": true}, "end_date"},
		{map[string]any{"start_date": app.Today(3), "end_date": app.Today(3)}, "blocked"},
		{map[string]any{"start_date": app.Today(3), "end_date": app.Today(3), "blocked": "yes"}, "blocked"},
		{map[string]any{"start_date": app.Today(3), "end_date": app.Today(3), "price": "0"}, "price"},
		{map[string]any{"start_date": app.Today(3), "end_date": app.Today(3), "price": "1.234"}, "price"},
		{map[string]any{"start_date": app.Today(3), "end_date": app.Today(3), "price": "1000000.01"}, "price"},
	} {
		r := owner.Put(path, bad.body).Expect(t, http.StatusOK, "4103")
		if r.Errmsg != "参数错误: "+bad.field {
			t.Errorf("%v: %q, want the field %s named", bad.body, r.Errmsg, bad.field)
		}
	}
	app.Client().Get(path+"?from=2026-13-01").Expect(t, http.StatusOK, "4103")
	app.Client().Get(path+"?from="+app.Today(0)+"&to="+app.Today(366)).Expect(t, http.StatusOK, "4103")
	app.Client().Get(path+"?from="+app.Today(5)+"&to="+app.Today(4)).Expect(t, http.StatusOK, "4103")
	app.Client().Get("/api/v1.0/houses/999/calendar").Expect(t, http.StatusOK, "4002")

	owner.Put(path, block).OK(t)
	owner.Put(path, map[string]any{"start_date": app.Today(4), "end_date": app.Today(8), "price": "88.5"}).OK(t)
	d = calendarOf(t, app.Client(), house, "?from="+app.Today(2)+"&to="+app.Today(9))
	got := ""
	for _, day := range d.Days {
		got += fmt.Sprintf("%v/%d ", day.Available, day.Price)
	}
	want := "true/10000 false/10000 false/8850 false/8850 true/8850 true/8850 true/8850 true/10000 "
	if got != want {
		t.Fatalf("calendar\n got %s\nwant %s", got, want)
	}

	// unblocking the middle day splits the block; clearing a price restores the house price
	owner.Put(path, map[string]any{"start_date": app.Today(4), "end_date": app.Today(4), "blocked": false, "price": nil}).OK(t)
	d = calendarOf(t, other, house, "?from="+app.Today(3)+"&to="+app.Today(5))
	if d.Days[0].Available || !d.Days[1].Available || d.Days[2].Available || d.Days[1].Price != 10000 || d.Days[2].Price != 8850 {
		t.Fatalf("after the cut: %+v", d.Days)
	}
	if n := app.Count("SELECT COUNT(*) FROM " + calendar.BlocksCollection); n != 2 {
		t.Fatalf("%d block rows, want the two halves", n)
	}
}

// TestCalendarMonthEndsAndLeapDay: ranges across a month end and over
// 29 February are stored and shown day by day, inclusive at both ends.
func TestCalendarMonthEndsAndLeapDay(t *testing.T) {
	app := apptest.New(t)
	app.Clock.Set(time.Date(2028, 2, 20, 4, 0, 0, 0, time.UTC))
	owner, house := landlord(t, app)
	path := "/api/v1.0/houses/" + house + "/calendar"
	owner.Put(path, map[string]any{"start_date": "2028-02-28", "end_date": "2028-03-01", "blocked": true}).OK(t)
	owner.Put(path, map[string]any{"start_date": "2028-03-31", "end_date": "2028-04-01", "price": 123}).OK(t)
	d := calendarOf(t, app.Client(), house, "?from=2028-02-27&to=2028-04-02")
	var blocked, priced []string
	for _, day := range d.Days {
		if !day.Available {
			blocked = append(blocked, day.Date)
		}
		if day.Price == 12300 {
			priced = append(priced, day.Date)
		}
	}
	if !slices.Equal(blocked, []string{"2028-02-28", "2028-02-29", "2028-03-01"}) || !slices.Equal(priced, []string{"2028-03-31", "2028-04-01"}) {
		t.Fatalf("blocked %v, priced %v", blocked, priced)
	}
	if len(d.Days) != 36 {
		t.Fatalf("%d days from 02-27 to 04-02, want 36", len(d.Days))
	}
}

// TestBlockOverBookingAndBookingOverBlock: §7.2 and §7.3 both ways.
func TestBlockOverBookingAndBookingOverBlock(t *testing.T) {
	app := apptest.New(t)
	owner, house := landlord(t, app)
	_, guest := app.NewUser(2)
	path := "/api/v1.0/houses/" + house + "/calendar"
	guest.Post("/api/v1.0/orders", map[string]any{"house_id": house, "start_date": app.Today(10), "end_date": app.Today(12)}).OK(t)
	r := owner.Put(path, map[string]any{"start_date": app.Today(12), "end_date": app.Today(14), "blocked": true}).Expect(t, http.StatusOK, "4004")
	if r.Errmsg != "房屋已被预订" {
		t.Fatalf("block over a booking: %q", r.Errmsg)
	}
	owner.Put(path, map[string]any{"start_date": app.Today(13), "end_date": app.Today(14), "blocked": true}).OK(t)
	r = guest.Post("/api/v1.0/orders", map[string]any{"house_id": house, "start_date": app.Today(14), "end_date": app.Today(15)}).Expect(t, http.StatusOK, "4004")
	if r.Errmsg != "房屋已被预订" {
		t.Fatalf("booking over a block: %q", r.Errmsg)
	}
	// search leaves the house out on a blocked day, and keeps it the day after
	var page struct {
		Houses []struct {
			HouseId int `json:"house_id"`
		} `json:"houses"`
	}
	app.Client().Get("/api/v1.0/houses?sd="+app.Today(14)).OK(t).Decode(t, &page)
	if len(page.Houses) != 0 {
		t.Fatalf("blocked house found: %v", page.Houses)
	}
	app.Client().Get("/api/v1.0/houses?sd="+app.Today(15)).OK(t).Decode(t, &page)
	if len(page.Houses) != 1 {
		t.Fatalf("free house not found: %v", page.Houses)
	}
}

// TestConcurrentBlockAndBooking: a block and a booking of the same days
// at once, many times: exactly one of each pair wins.
func TestConcurrentBlockAndBooking(t *testing.T) {
	app := apptest.New(t)
	owner, house := landlord(t, app)
	path := "/api/v1.0/houses/" + house + "/calendar"
	for round := range 10 {
		_, guest := app.NewUser(10 + round) // a guest has at most 5 open orders
		day := app.Today(2 + 2*round)
		res := apptest.Fire(2, func(i int) *apptest.Response {
			if i == 0 {
				return owner.Put(path, map[string]any{"start_date": day, "end_date": day, "blocked": true})
			}
			return guest.Post("/api/v1.0/orders", map[string]any{"house_id": house, "start_date": day, "end_date": day})
		})
		won := 0
		for _, r := range res {
			switch r.Errno {
			case "0":
				won++
			case "4004":
			default:
				t.Fatalf("round %d: unexpected answer %d %s %s", round, r.Status, r.Errno, r.Errmsg)
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d winners, want exactly 1", round, won)
		}
	}
}

// TestBookingPricedNightByNight: §7.3: the amount is the sum of the
// nights' prices, in fen, exactly; without overrides days × price.
func TestBookingPricedNightByNight(t *testing.T) {
	app := apptest.New(t)
	owner, house := landlord(t, app)
	_, guest := app.NewUser(2)
	owner.Put("/api/v1.0/houses/"+house+"/calendar", map[string]any{"start_date": app.Today(4), "end_date": app.Today(5), "price": "88.51"}).OK(t)
	owner.Put("/api/v1.0/houses/"+house+"/calendar", map[string]any{"start_date": app.Today(6), "end_date": app.Today(6), "price": 0.29}).OK(t)
	for _, c := range []struct {
		start, end int
		want       int64
	}{
		{3, 5, 10000 + 2*8851}, // one night at the house price, two overrides
		{6, 6, 29},             // "0.29" yuan is 29 fen, not 28
		{7, 9, 3 * 10000},      // no override
		{10, 10, 10000},        // a one-night stay
		{11, 12, 2 * 10000},    // two nights
	} {
		var o struct {
			OrderId int64 `json:"order_id"`
		}
		guest.Post("/api/v1.0/orders", map[string]any{"house_id": house, "start_date": app.Today(c.start), "end_date": app.Today(c.end)}).OK(t).Decode(t, &o)
		rec, err := app.FindRecordById("orders", fmt.Sprint(o.OrderId))
		if err != nil {
			t.Fatal(err)
		}
		if got := int64(rec.GetInt("amount")); got != c.want {
			t.Errorf("stay %d..%d: amount %d, want %d", c.start, c.end, got, c.want)
		}
		guest.Put("/api/v1.0/orders", map[string]any{"action": "cancel", "order_id": o.OrderId}).OK(t) // stay under the open-order cap
	}
}
