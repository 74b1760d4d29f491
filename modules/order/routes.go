package order

import (
	"net/http"

	"ihome/internal/api"
)

func (m *module) routes(a *api.API) {
	a.Login(http.MethodPost, "/orders", m.create)
	a.Login(http.MethodGet, "/orders", m.list)
	a.Login(http.MethodPut, "/orders", m.answer)
	a.Login(http.MethodPut, "/orders/comment", m.review)
}
