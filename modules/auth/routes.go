package auth

import (
	"net/http"

	"ihome/internal/api"
)

func (m *module) routes(a *api.API) {
	a.Public(http.MethodGet, "/imagecode", m.imageCode)
	a.Public(http.MethodPost, "/smscode", m.sendSMSCode)
	a.Public(http.MethodPost, "/smscode/", m.sendSMSCode)
	a.Public(http.MethodPost, "/user", m.register)
	a.Public(http.MethodPost, "/session", m.login)
	a.Public(http.MethodGet, "/session", m.sessionState)
	a.Public(http.MethodDelete, "/session", m.logout)
	a.Login(http.MethodDelete, "/sessions", m.logoutEverywhere)
}
