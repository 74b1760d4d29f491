// Package errno holds the business error codes of the iHome API contract
// (API.md §1.2) and the Error type handlers return. It knows nothing of HTTP:
// internal/envelope maps errors to responses.
package errno

import (
	"errors"
	"fmt"
)

// Code is an API error number. It is a string on the wire ("0", "4103").
type Code string

// The codes of API.md §1.2. Never renumber one: clients depend on them.
const (
	OK         Code = "0"
	DBErr      Code = "4001"
	NoData     Code = "4002"
	DataExist  Code = "4003"
	DataErr    Code = "4004"
	SessionErr Code = "4101"
	LoginErr   Code = "4102"
	ParamErr   Code = "4103"
	UserErr    Code = "4104"
	RoleErr    Code = "4105"
	PwdErr     Code = "4106"
	ReqErr     Code = "4201"
	IPErr      Code = "4202"
	ThirdErr   Code = "4301"
	IOErr      Code = "4302"
	ServerErr  Code = "4500"
	UnknownErr Code = "4501"
)

var defaultMessages = map[Code]string{
	OK:         "OK",
	DBErr:      "数据库查询错误",
	NoData:     "无数据",
	DataExist:  "数据已存在",
	DataErr:    "数据错误",
	SessionErr: "用户未登录",
	LoginErr:   "用户登录失败",
	ParamErr:   "参数错误",
	UserErr:    "用户不存在或未激活",
	RoleErr:    "用户身份错误",
	PwdErr:     "密码错误",
	ReqErr:     "非法请求或请求次数受限",
	IPErr:      "IP受限",
	ThirdErr:   "第三方系统错误",
	IOErr:      "文件读写错误",
	ServerErr:  "内部错误",
	UnknownErr: "未知错误",
}

// Message returns the default message of c.
func (c Code) Message() string {
	if m, ok := defaultMessages[c]; ok {
		return m
	}
	return defaultMessages[UnknownErr]
}

// Error is a business outcome that the API reports with its code.
// Msg is shown to the client; Err is the internal cause, logged but never sent.
type Error struct {
	Code Code
	Msg  string
	Err  error
}

// New returns an Error with code c and message msg (the default message when empty).
func New(c Code, msg string) *Error {
	if msg == "" {
		msg = c.Message()
	}
	return &Error{Code: c, Msg: msg}
}

// Wrap returns an Error with code c, its default message and the internal cause err.
// Handlers need it only where the operation, not the error's type, tells
// the kind of fault (a provider call is ThirdErr, storing a file IOErr):
// otherwise they return the cause and the envelope answers it by Classify.
func Wrap(c Code, err error) *Error {
	return &Error{Code: c, Msg: c.Message(), Err: err}
}

// Param reports a missing or malformed request parameter, named by its API name.
func Param(field string) *Error {
	return &Error{Code: ParamErr, Msg: ParamErr.Message() + ": " + field}
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("errno %s %s: %v", e.Code, e.Msg, e.Err)
	}
	return fmt.Sprintf("errno %s %s", e.Code, e.Msg)
}

func (e *Error) Unwrap() error { return e.Err }

// From returns nil for nil, the business error err carries when it has one
// (a transaction hands it back wrapped), and otherwise err wrapped as c.
//
// Deprecated: return the cause itself; the envelope answers it by Classify,
// so the same fault gets the same code in every handler.
func From(err error, c Code) error {
	if err == nil {
		return nil
	}
	var be *Error
	if errors.As(err, &be) {
		return be
	}
	return Wrap(c, err)
}
