package calendar

import (
	"strings"

	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/envelope"
	"ihome/internal/errno"
	"ihome/internal/session"
	"ihome/internal/stay"
	"ihome/modules/house"
)

// day is one night of the calendar (API.md §7.1).
type day struct {
	Date      string `json:"date"`
	Available bool   `json:"available"`
	Price     int64  `json:"price"` // fen
}

// GET /houses/{house_id}/calendar?from=&to=: the house's nights (public;
// API.md §7.1): available unless an occupying order or a block takes them,
// and each night's price. from defaults to today, to to from + 90 days; at
// most 366 days. 4103 names from or to; 4002 unknown or hidden house.
func (m *module) days(e *core.RequestEvent) error {
	h, err := house.FindVisible(e.App, e.Request.PathValue("house_id"), session.User(e))
	if err != nil {
		return err
	}
	v := e.Request.URL.Query()
	w := stay.Range{Start: stay.Today(m.cfg.Now(), m.cfg.Location)}
	var ok bool
	if from := strings.TrimSpace(v.Get("from")); from != "" {
		if w.Start, ok = stay.Parse(from); !ok {
			return errno.Param("from")
		}
	}
	w.End = w.Start.AddDays(m.cfg.DefaultDays)
	if to := strings.TrimSpace(v.Get("to")); to != "" {
		if w.End, ok = stay.Parse(to); !ok {
			return errno.Param("to")
		}
	}
	if w.End < w.Start || w.Days() > int64(m.cfg.MaxRangeDays) {
		return errno.Param("to")
	}

	taken, err := occupiedIn(e.App, h.Id, w)
	if err != nil {
		return err
	}
	blocks, err := blocksIn(e.App, h.Id, w)
	if err != nil {
		return err
	}
	overrides, err := pricesIn(e.App, h.Id, w)
	if err != nil {
		return err
	}
	taken = append(taken, ranges(blocks)...)
	out := make([]day, 0, w.Days())
	for d := w.Start; d <= w.End; d++ {
		night := stay.Range{Start: d, End: d}
		out = append(out, day{Date: d.String(), Available: true, Price: int64(h.GetInt(house.FieldPrice))})
		for _, t := range taken {
			if t.Overlaps(night) {
				out[len(out)-1].Available = false
			}
		}
		for _, o := range overrides {
			if o.stay().Overlaps(night) {
				out[len(out)-1].Price = o.Price
			}
		}
	}
	return envelope.OK(e, map[string]any{"days": out})
}
