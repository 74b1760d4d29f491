package user

import (
	"ihome/internal/api"
)

func (m *module) routes(a *api.API) {
	// TODO(user module): §2.7–2.11 routes
}
