package search

import (
	"net/http"

	"ihome/internal/api"
)

func (m *module) routes(a *api.API) {
	a.Login(http.MethodGet, "/user/houses", m.myHouses)
	a.Public(http.MethodGet, "/houses/index", m.indexPicks)
	a.Public(http.MethodGet, "/houses/{house_id}", m.detail)
	a.Public(http.MethodGet, "/houses", m.search)
}
