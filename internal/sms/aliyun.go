package sms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	dysms "github.com/alibabacloud-go/dysmsapi-20170525/v5/client"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/pocketbase/pocketbase/core"
)

// aliyunHost is dysmsapi's public endpoint.
const aliyunHost = "dysmsapi.aliyuncs.com"

// aliyun sends through dysmsapi SendSms (2017-05-25) with the official
// SDK, which signs ACS3-HMAC-SHA256. The SDK does not retry (no
// RetryOptions): the callers decide.
type aliyun struct {
	client    *dysms.Client
	cfg       AliyunConfig
	timeout   time.Duration
	templates map[string]string
}

func newAliyun(cfg AliyunConfig, timeout time.Duration) (*aliyun, error) {
	scheme, host, err := endpoint(cfg.Endpoint, aliyunHost)
	if err != nil {
		return nil, fmt.Errorf("--sms-aliyun-endpoint: %w", err)
	}
	ms := int(timeout / time.Millisecond)
	client, err := dysms.NewClient(&openapi.Config{
		AccessKeyId:     dara.String(cfg.AccessKeyId),
		AccessKeySecret: dara.String(cfg.AccessKeySecret),
		RegionId:        dara.String(cfg.Region),
		Endpoint:        dara.String(host),
		Protocol:        dara.String(scheme),
		ConnectTimeout:  dara.Int(ms),
		ReadTimeout:     dara.Int(ms),
	})
	if err != nil {
		return nil, fmt.Errorf("aliyun sms client: %w", err)
	}
	return &aliyun{client: client, cfg: cfg, timeout: timeout, templates: cfg.Templates}, nil
}

// Send implements Provider.
func (p *aliyun) Send(ctx context.Context, _ core.App, mobile string, m Message) error {
	if _, err := m.params(); err != nil {
		return err
	}
	params, err := json.Marshal(m.Params)
	if err != nil {
		return err
	}
	req := &dysms.SendSmsRequest{
		PhoneNumbers:  dara.String(mobile),
		SignName:      dara.String(p.cfg.SignName),
		TemplateCode:  dara.String(p.templates[m.Template]),
		TemplateParam: dara.String(string(params)),
	}
	if m.Key != "" {
		req.OutId = dara.String(m.Key)
	}
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	resp, err := p.client.SendSmsWithContext(ctx, req, &dara.RuntimeOptions{})
	if err != nil {
		var se *tea.SDKError
		if errors.As(err, &se) && dara.StringValue(se.Code) != "" {
			return &Error{Vendor: ProviderAliyun, Code: dara.StringValue(se.Code), Message: aliyunMessage(se),
				RequestId: aliyunRequestId(se), Reason: reasonOf(aliyunReasons, dara.StringValue(se.Code))}
		}
		return transportError(ProviderAliyun, err)
	}
	if resp == nil || resp.Body == nil {
		return &Error{Vendor: ProviderAliyun, Reason: ReasonUnavailable, Err: errors.New("empty answer")}
	}
	if code := dara.StringValue(resp.Body.Code); code != "OK" {
		return &Error{Vendor: ProviderAliyun, Code: code, Message: dara.StringValue(resp.Body.Message),
			RequestId: dara.StringValue(resp.Body.RequestId), Reason: reasonOf(aliyunReasons, code)}
	}
	return nil
}

// aliyunMessage is the vendor's message without the SDK's decoration.
func aliyunMessage(se *tea.SDKError) string {
	msg := dara.StringValue(se.Message)
	if i := strings.Index(msg, " request id: "); i >= 0 {
		msg = msg[:i]
	}
	if strings.HasPrefix(msg, "code: ") { // "code: 400, <the vendor's message>"
		if _, rest, ok := strings.Cut(msg, ", "); ok {
			msg = rest
		}
	}
	return msg
}

func aliyunRequestId(se *tea.SDKError) string {
	var data struct{ RequestId string }
	if se.Data != nil && json.Unmarshal([]byte(*se.Data), &data) == nil {
		return data.RequestId
	}
	return ""
}

// aliyunReasons maps dysmsapi's error codes (SendSms's documented codes
// and the gateway's); a key ending in "." is a prefix.
var aliyunReasons = map[string]Reason{
	"isv.BUSINESS_LIMIT_CONTROL": ReasonThrottled,
	"isv.DAY_LIMIT_CONTROL":      ReasonThrottled,
	"isv.SMS_OVER_LIMIT":         ReasonThrottled,
	"Throttling.":                ReasonThrottled,
	"Throttling":                 ReasonThrottled,

	"isv.MOBILE_NUMBER_ILLEGAL":   ReasonBadNumber,
	"isv.MOBILE_COUNT_OVER_LIMIT": ReasonBadNumber,
	"isv.BLACK_KEY_CONTROL_LIMIT": ReasonBadNumber,

	"SignatureDoesNotMatch":           ReasonCredentials,
	"IncompleteSignature":             ReasonCredentials,
	"SignatureNonceUsed":              ReasonCredentials,
	"InvalidTimeStamp.Expired":        ReasonCredentials,
	"InvalidAccessKeyId.":             ReasonCredentials,
	"InvalidAccessKeyId":              ReasonCredentials,
	"Forbidden.RAM":                   ReasonCredentials,
	"isp.RAM_PERMISSION_DENY":         ReasonCredentials,
	"isv.ACCOUNT_NOT_EXISTS":          ReasonCredentials,
	"isv.ACCOUNT_ABNORMAL":            ReasonCredentials,
	"isv.DENY_IP_RANGE":               ReasonCredentials,
	"InvalidSecurityToken.":           ReasonCredentials,
	"isv.SMS_TEMPLATE_ILLEGAL":        ReasonTemplate,
	"isv.TEMPLATE_MISSING_PARAMETERS": ReasonTemplate,
	"isv.TEMPLATE_PARAMS_ILLEGAL":     ReasonTemplate,
	"isv.INVALID_JSON_PARAM":          ReasonTemplate,
	"isv.PARAM_LENGTH_LIMIT":          ReasonTemplate,
	"isv.INVALID_PARAMETERS":          ReasonTemplate,

	"isv.SMS_SIGNATURE_ILLEGAL": ReasonSignName,
	"isv.SIGN_NAME_ILLEGAL":     ReasonSignName,

	"isv.AMOUNT_NOT_ENOUGH": ReasonBalance,
	"isv.OUT_OF_SERVICE":    ReasonBalance,

	"isp.SYSTEM_ERROR":   ReasonUnavailable,
	"ServiceUnavailable": ReasonUnavailable,
	"InternalError":      ReasonUnavailable,
}
