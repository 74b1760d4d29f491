package calendar

import (
	"net/http"

	"ihome/internal/api"
)

func (m *module) routes(a *api.API) {
	a.Public(http.MethodGet, "/houses/{house_id}/calendar", m.days)
	a.Login(http.MethodPut, "/houses/{house_id}/calendar", m.setDays)
	a.Public(http.MethodGet, "/houses/{house_id}/calendar.ics", m.exportICS)
	a.Login(http.MethodGet, "/houses/{house_id}/calendar/feeds", m.feeds)
	a.Login(http.MethodPost, "/houses/{house_id}/calendar/feeds", m.addFeed)
	a.Login(http.MethodDelete, "/houses/{house_id}/calendar/feeds", m.removeFeed)
	a.Login(http.MethodPost, "/houses/{house_id}/calendar/feeds/token", m.newToken)
}
