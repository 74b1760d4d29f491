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

// Middleware turns any error returned down the chain into an envelope
// (status and code by classify), records its errno in the request's log
// meta, and returns the error on: PocketBase's activity logger, outside
// this middleware, then logs the failed request with its cause (refused
// writes and failed reads alike), and its error handler leaves the written
// answer alone. Its priority puts it outside PocketBase's panic-recover and
// rate-limit middlewares, so their errors come out enveloped too.
func Middleware() *hook.Handler[*core.RequestEvent] {
	return &hook.Handler[*core.RequestEvent]{
		Id:       MiddlewareId,
		Priority: apis.DefaultPanicRecoverMiddlewarePriority - 5,
		Func: func(e *core.RequestEvent) error {
			err := e.Next()
			if err == nil {
				return nil
			}
			status, code, msg, logged := classify(err)
			setLogErrno(e, code)
			if !e.Written() { // else a handler already started its own response
				// a failed write means the client has gone: nothing to tell it
				_ = write(e, status, code, msg, nil)
			}
			return logged
		},
	}
}

// classify maps an error to the HTTP status, errno and message of API.md
// §1.1, and the error to log: a business error or PocketBase's error as it
// is (the latter keeps its details, a recovered panic's stack), anything
// else as errno.Classify wraps it, so the log shows the code and the cause.
func classify(err error) (status int, code errno.Code, msg string, logged error) {
	var be *errno.Error
	var ae *router.ApiError
	switch {
	case errors.As(err, &be):
		logged = err
	case errors.As(err, &ae):
		return apiStatus(ae), apiCode(ae), apiMessage(ae), err
	default:
		be = errno.Classify(err)
		logged = be
	}
	if be.Code == errno.ServerErr {
		// never the message: it may carry SQL or a path
		return http.StatusInternalServerError, be.Code, be.Code.Message(), logged
	}
	return http.StatusOK, be.Code, be.Msg, logged
}

// apiStatus, apiCode and apiMessage map PocketBase's errors: 401 auth,
// 403 and 429 refusals, 404, 413 body, other 4xx bind errors, and 5xx.
func apiStatus(ae *router.ApiError) int {
	if ae.Status < http.StatusBadRequest || ae.Status > 599 {
		return http.StatusInternalServerError
	}
	return ae.Status
}

func apiCode(ae *router.ApiError) errno.Code {
	switch s := apiStatus(ae); {
	case s == http.StatusUnauthorized:
		return errno.SessionErr
	case s == http.StatusForbidden || s == http.StatusTooManyRequests:
		return errno.ReqErr
	case s == http.StatusNotFound:
		return errno.NoData
	case s < http.StatusInternalServerError:
		return errno.ParamErr
	}
	return errno.ServerErr
}

func apiMessage(ae *router.ApiError) string {
	if apiStatus(ae) == http.StatusRequestEntityTooLarge {
		return "请求体过大"
	}
	if apiStatus(ae) == http.StatusMethodNotAllowed {
		return errno.Param("method").Msg // §1.6: name what is wrong
	}
	return apiCode(ae).Message()
}

// setLogErrno adds the errno to the meta PocketBase's activity logger
// stores with the request's log entry, keeping meta set by others.
func setLogErrno(e *core.RequestEvent, code errno.Code) {
	meta := map[string]any{}
	switch old := e.Get(apis.RequestEventKeyLogMeta).(type) {
	case nil:
	case map[string]any:
		meta = old
	default:
		meta["meta"] = old
	}
	meta["errno"] = string(code)
	e.Set(apis.RequestEventKeyLogMeta, meta)
}
