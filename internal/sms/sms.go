// Package sms sends text messages (API.md §2.2, §8.1) through a Provider:
// Log, the default (the server log and the superuser-only sms_outbox
// collection), Aliyun (dysmsapi, signed ACS3-HMAC-SHA256) or Tencent Cloud
// (SMS, signed TC3-HMAC-SHA256), the last two through the vendors' official
// Go SDKs.
//
// Vendors deliver only templates approved in their console, so a Message
// names one of the templates of this package and gives its parameters;
// each provider maps the name to the vendor's template id from its
// configuration. docs/SMS.md says what to register and where each console
// value goes.
package sms

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/pocketbase/pocketbase/core"
)

// Provider delivers one text message to a mainland mobile (11 digits).
// Send blocks until the vendor answered or ctx ends; it returns an *Error
// for a refusal or failure the vendor reported, and never retries by
// itself: callers decide (the registration code answers 4301, the
// notification worker retries with backoff). app is where the Log
// provider writes; vendors ignore it. Send must never be called inside a
// database transaction (DESIGN.md §6).
type Provider interface {
	Send(ctx context.Context, app core.App, mobile string, m Message) error
}

// Message is one text: a template of this package and its parameters.
type Message struct {
	// Template is a template name: TemplateCode, TemplateOrderNew, …
	Template string
	// Params are the template's parameters by name (Lookup(Template).Params).
	Params map[string]string
	// Text is the whole message as a person reads it; the Log provider
	// writes it, vendors render their approved template instead.
	Text string
	// Key is an idempotency key: the vendor echoes it in its delivery
	// receipts (Aliyun OutId, Tencent SessionContext), so a message that a
	// retry after a crash sent twice can be recognised. Optional.
	Key string
}

// Template names (see Templates for their parameters and texts).
const (
	TemplateCode          = "code"           // registration code
	TemplateOrderNew      = "order_new"      // landlord: a new booking request
	TemplateOrderAccepted = "order_accepted" // guest: the landlord accepted
	TemplateOrderRejected = "order_rejected" // guest: the landlord rejected
	TemplateOrderCanceled = "order_canceled" // guest: the order was canceled
	TemplateOrderExpired  = "order_expired"  // guest: no answer before the start date
	TemplatePayExpired    = "pay_expired"    // guest: the pay window ended (API.md §6)
	TemplateRefunded      = "refunded"       // guest: a refund was made (API.md §6.4)
	TemplatePaid          = "paid"           // landlord: the guest paid (API.md §6.2)
)

// Template parameter names.
const (
	ParamCode  = "code"  // 6 digits
	ParamOrder = "order" // the order number, digits
	ParamStart = "start" // YYYY-MM-DD
	ParamEnd   = "end"   // YYYY-MM-DD
	ParamMoney = "money" // yuan with two decimals: 199.50
)

// Template is one message the vendors must have approved.
type Template struct {
	Name string
	// Params in the order of Tencent's {1}, {2}, …; Aliyun names them.
	Params []string
	// Text is the template to register, in Aliyun's ${name} syntax
	// (Tencent's text replaces each ${name} by {n}), without the sign.
	Text string
	// Code marks the verification-code template (Aliyun 验证码, Tencent
	// 验证码 type); the others are notifications (短信通知 / 通知).
	Code bool
}

// TencentText is t.Text in Tencent's {1}, {2}… syntax.
func (t Template) TencentText() string {
	s := t.Text
	for i, p := range t.Params {
		s = strings.ReplaceAll(s, "${"+p+"}", fmt.Sprintf("{%d}", i+1))
	}
	return s
}

// Render is t.Text with params filled in.
func (t Template) Render(params map[string]string) string {
	s := t.Text
	for _, p := range t.Params {
		s = strings.ReplaceAll(s, "${"+p+"}", params[p])
	}
	return s
}

// Templates lists every template, in the order docs/SMS.md gives them.
func Templates() []Template {
	return []Template{
		{Name: TemplateCode, Params: []string{ParamCode}, Code: true,
			Text: "您的注册验证码为${code}，5分钟内有效，请勿泄露给他人。"},
		{Name: TemplateOrderNew, Params: []string{ParamOrder, ParamStart, ParamEnd},
			Text: "您的房源有新的预订申请，订单号${order}，入住${start}至${end}，请尽快登录爱家租房处理。"},
		{Name: TemplateOrderAccepted, Params: []string{ParamOrder, ParamStart, ParamEnd},
			Text: "房东已接受您的订单${order}（${start}至${end}），详情请登录爱家租房查看。"},
		{Name: TemplateOrderRejected, Params: []string{ParamOrder, ParamStart, ParamEnd},
			Text: "很抱歉，房东未能接受您的订单${order}（${start}至${end}），原因请登录爱家租房查看。"},
		{Name: TemplateOrderCanceled, Params: []string{ParamOrder, ParamStart, ParamEnd},
			Text: "您的订单${order}（${start}至${end}）已取消。"},
		{Name: TemplateOrderExpired, Params: []string{ParamOrder, ParamStart, ParamEnd},
			Text: "房东未及时处理，您的订单${order}（${start}至${end}）已自动取消。"},
		{Name: TemplatePayExpired, Params: []string{ParamOrder},
			Text: "您的订单${order}未在规定时间内支付，已自动取消。"},
		{Name: TemplateRefunded, Params: []string{ParamOrder, ParamMoney},
			Text: "您的订单${order}已退款${money}元，将按原支付方式退回。"},
		{Name: TemplatePaid, Params: []string{ParamOrder, ParamStart, ParamEnd},
			Text: "房客已支付订单${order}（${start}至${end}），请做好接待准备。"},
	}
}

// Lookup returns the template named name.
func Lookup(name string) (Template, bool) {
	for _, t := range Templates() {
		if t.Name == name {
			return t, true
		}
	}
	return Template{}, false
}

// params returns m's parameters in the template's order, or an error when
// the template is unknown or a parameter is missing (a bug of the caller).
func (m Message) params() ([]string, error) {
	t, ok := Lookup(m.Template)
	if !ok {
		return nil, fmt.Errorf("sms: unknown template %q", m.Template)
	}
	out := make([]string, len(t.Params))
	for i, p := range t.Params {
		v, ok := m.Params[p]
		if !ok || v == "" {
			return nil, fmt.Errorf("sms: template %s: parameter %s missing", m.Template, p)
		}
		out[i] = v
	}
	return out, nil
}

// Reason is what a vendor's error means for us.
type Reason string

// Reasons of an Error.
const (
	ReasonThrottled   Reason = "throttled"   // a frequency limit: retry later
	ReasonBadNumber   Reason = "bad_number"  // the vendor refuses this number: do not retry
	ReasonCredentials Reason = "credentials" // keys, signature, permissions, app id
	ReasonTemplate    Reason = "template"    // template not approved, not ours, or wrong parameters
	ReasonSignName    Reason = "sign_name"   // sign name not approved
	ReasonBalance     Reason = "balance"     // out of credit or suspended
	ReasonTimeout     Reason = "timeout"     // no answer in time
	ReasonUnavailable Reason = "unavailable" // network or vendor fault
	ReasonOther       Reason = "other"       // anything else the vendor said
)

// hints say what an operator should do about each reason (the log line).
var hints = map[Reason]string{
	ReasonThrottled:   "the vendor's frequency limit for this number or account was reached; wait or raise the limit in the console",
	ReasonBadNumber:   "the vendor refuses this mobile number",
	ReasonCredentials: "the access key, its secret or the app id is wrong, disabled or lacks SMS permission (or the server clock is off): check the --sms-<vendor>-* settings",
	ReasonTemplate:    "the template is not approved, belongs to another account, or its parameters differ from docs/SMS.md: check --sms-<vendor>-template-*",
	ReasonSignName:    "the sign name is not approved for this account: check --sms-<vendor>-sign-name",
	ReasonBalance:     "the SMS account is out of credit or suspended: top it up in the console",
	ReasonTimeout:     "the vendor did not answer within --sms-timeout",
	ReasonUnavailable: "the vendor could not be reached or failed: check the network and --sms-<vendor>-endpoint",
	ReasonOther:       "see the vendor's code in its documentation",
}

// Error is a send that failed: the vendor's own code and message, and
// what they mean. Registration answers it with 4301 (API.md §8.1).
type Error struct {
	Vendor    string // "aliyun", "tencent"
	Code      string // the vendor's error code, e.g. isv.BUSINESS_LIMIT_CONTROL; "" for a transport fault
	Message   string // the vendor's message
	RequestId string
	Reason    Reason
	Err       error // a transport cause, when there was no answer
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sms %s: %s: %s", e.Vendor, e.Reason, strings.ReplaceAll(hints[e.Reason], "<vendor>", e.Vendor))
	if e.Code != "" {
		fmt.Fprintf(&b, " [%s: %s]", e.Code, e.Message)
	}
	if e.RequestId != "" {
		fmt.Fprintf(&b, " request %s", e.RequestId)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Permanent reports whether retrying the same message cannot help.
func (e *Error) Permanent() bool { return e.Reason == ReasonBadNumber }

// IsPermanent reports whether err is an *Error that retrying cannot cure.
func IsPermanent(err error) bool {
	var se *Error
	return errors.As(err, &se) && se.Permanent()
}

// transportError classifies a failure that left no vendor answer.
func transportError(vendor string, err error) *Error {
	reason := ReasonUnavailable
	if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
		reason = ReasonTimeout
	}
	return &Error{Vendor: vendor, Reason: reason, Err: err}
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// reasonOf looks code up in table: exact codes first, then prefixes
// (entries ending in ".").
func reasonOf(table map[string]Reason, code string) Reason {
	if r, ok := table[code]; ok {
		return r
	}
	for k, r := range table {
		if strings.HasSuffix(k, ".") && strings.HasPrefix(code, k) {
			return r
		}
	}
	return ReasonOther
}
