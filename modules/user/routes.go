package user

import (
	"net/http"

	"github.com/pocketbase/pocketbase/apis"

	"ihome/internal/api"
)

func (m *module) routes(a *api.API) {
	a.Login(http.MethodGet, "/user", m.profile)
	a.Login(http.MethodPost, "/user/name", m.rename)
	a.Login(http.MethodPut, "/user/name", m.rename)
	// The upload cap replaces the group's 64 KiB JSON cap (same middleware
	// id); the extra 64 KiB leaves room for the multipart framing.
	a.Login(http.MethodPost, "/user/avatar", m.uploadAvatar, apis.BodyLimit(m.cfg.AvatarMaxSize+64<<10))
	a.Login(http.MethodGet, "/user/auth", m.realNameInfo)
	a.Login(http.MethodPost, "/user/auth", m.setRealName)
}
