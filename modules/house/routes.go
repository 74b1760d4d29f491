package house

import (
	"net/http"

	"github.com/pocketbase/pocketbase/apis"

	"ihome/internal/api"
)

func (m *module) routes(a *api.API) {
	a.Public(http.MethodGet, "/areas", m.areas)
	a.Public(http.MethodGet, "/facilities", m.facilities)
	a.Login(http.MethodPost, "/houses", m.create)
	a.Login(http.MethodPost, "/houses/{house_id}/images", m.addImage, apis.BodyLimit(m.cfg.ImageMaxSize+64<<10))
}
