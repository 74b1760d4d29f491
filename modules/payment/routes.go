package payment

import (
	"net/http"

	"ihome/internal/api"
)

func (m *module) routes(a *api.API) {
	a.Login(http.MethodPost, "/orders/{order_id}/payment", m.pay)
	a.Login(http.MethodGet, "/orders/{order_id}/payment", m.view)
	a.Login(http.MethodPut, "/orders/payment", m.returned)
	a.Callback(http.MethodPost, "/payments/alipay/notify", m.notify)
	if m.cfg.Provider == ProviderFake {
		a.Public(http.MethodGet, "/payments/fake/trade", m.cashierTrade)
		a.Public(http.MethodPost, "/payments/fake/pay", m.cashierPay)
	}
}
