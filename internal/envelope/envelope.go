// Package envelope writes every /api/v1.0 response as
// {"errno","errmsg","data"} (API.md §1.1). Its middleware is the only place
// where an error becomes a response: handlers just return errors.
package envelope

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/router"

	"ihome/internal/errno"
)

// MiddlewareId identifies the envelope middleware.
const MiddlewareId = "ihomeEnvelope"

// body is the wire shape. Data uses omitzero, not omitempty: under
// encoding/json/v2 semantics omitempty would also drop an empty list.
type body struct {
	Errno  errno.Code `json:"errno"`
	Errmsg string     `json:"errmsg"`
	Data   any        `json:"data,omitzero"`
}

// OK writes a success envelope; data may be nil.
func OK(e *core.RequestEvent, data any) error {
	return write(e, http.StatusOK, errno.OK, errno.OK.Message(), data)
}

// OKMsg writes a success envelope with a specific message.
func OKMsg(e *core.RequestEvent, msg string, data any) error {
	return write(e, http.StatusOK, errno.OK, msg, data)
}

func write(e *core.RequestEvent, status int, code errno.Code, msg string, data any) error {
	b, err := json.Marshal(body{Errno: code, Errmsg: msg, Data: data})
	if err != nil {
		return err
	}
	h := e.Response.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	e.Response.WriteHeader(status)
	_, err = e.Response.Write(b)
	return err
}

// Middleware turns any error returned down the chain into an envelope.
// Its priority puts it outside PocketBase's panic-recover and rate-limit
// middlewares, so their errors come out enveloped too.
func Middleware() *hook.Handler[*core.RequestEvent] {
	return &hook.Handler[*core.RequestEvent]{
		Id:       MiddlewareId,
		Priority: apis.DefaultPanicRecoverMiddlewarePriority - 5,
		Func: func(e *core.RequestEvent) error {
			err := e.Next()
			if err == nil {
				return nil
			}
			status, code, msg := classify(err)
			if status >= http.StatusInternalServerError {
				e.App.Logger().Error("api request failed",
					"method", e.Request.Method, "url", e.Request.URL.Path, "error", describe(err))
			} else if cause := errors.Unwrap(err); cause != nil {
				e.App.Logger().Warn("api request refused",
					"method", e.Request.Method, "url", e.Request.URL.Path, "error", err.Error())
			}
			if e.Written() {
				return nil // a handler already started its own response
			}
			return write(e, status, code, msg, nil)
		},
	}
}

// classify maps an error to the HTTP status, errno and message of API.md §1.1.
func classify(err error) (int, errno.Code, string) {
	var be *errno.Error
	if errors.As(err, &be) {
		if be.Code == errno.ServerErr {
			return http.StatusInternalServerError, be.Code, be.Code.Message()
		}
		return http.StatusOK, be.Code, be.Msg
	}
	var ae *router.ApiError
	if errors.As(err, &ae) {
		switch {
		case ae.Status == http.StatusUnauthorized:
			return ae.Status, errno.SessionErr, errno.SessionErr.Message()
		case ae.Status == http.StatusForbidden || ae.Status == http.StatusTooManyRequests:
			return ae.Status, errno.ReqErr, errno.ReqErr.Message()
		case ae.Status == http.StatusNotFound:
			return ae.Status, errno.NoData, errno.NoData.Message()
		case ae.Status == http.StatusRequestEntityTooLarge:
			return ae.Status, errno.ParamErr, "请求体过大"
		case ae.Status < http.StatusInternalServerError:
			return ae.Status, errno.ParamErr, errno.ParamErr.Message()
		}
	}
	return http.StatusInternalServerError, errno.ServerErr, errno.ServerErr.Message()
}

// describe keeps the internal cause of PocketBase errors (a recovered panic
// carries its stack there) for the log.
func describe(err error) string {
	var ae *router.ApiError
	if errors.As(err, &ae) {
		if raw, ok := ae.RawData().(error); ok {
			return ae.Message + ": " + raw.Error()
		}
	}
	return err.Error()
}
