package notify

import (
	"net/http"

	"ihome/internal/api"
)

func (m *module) routes(a *api.API) {
	a.Login(http.MethodGet, "/notifications", m.list)
	a.Login(http.MethodPut, "/notifications/read", m.markRead)
}
