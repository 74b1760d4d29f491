package sms

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tcerr "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
	tcsms "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/sms/v20210111"
)

// tencentHost is Tencent Cloud SMS's public endpoint.
const tencentHost = "sms.tencentcloudapi.com"

// tencent sends through SMS SendSms (2021-01-11) with the official SDK,
// which signs TC3-HMAC-SHA256. Its retries and its region circuit breaker
// (which would fail over to another host) are off: the callers decide.
type tencent struct {
	client  *tcsms.Client
	cfg     TencentConfig
	timeout time.Duration
}

func newTencent(cfg TencentConfig, timeout time.Duration) (*tencent, error) {
	scheme, host, err := endpoint(cfg.Endpoint, tencentHost)
	if err != nil {
		return nil, fmt.Errorf("--sms-tencent-endpoint: %w", err)
	}
	cpf := profile.NewClientProfile()
	cpf.HttpProfile.Endpoint = host
	cpf.HttpProfile.Scheme = scheme
	cpf.HttpProfile.ReqTimeout = int((timeout + time.Second - 1) / time.Second)
	cpf.DisableRegionBreaker = true
	cpf.NetworkFailureMaxRetries = 0
	cpf.RateLimitExceededMaxRetries = 0
	client, err := tcsms.NewClient(common.NewCredential(cfg.SecretId, cfg.SecretKey), cfg.Region, cpf)
	if err != nil {
		return nil, fmt.Errorf("tencent sms client: %w", err)
	}
	return &tencent{client: client, cfg: cfg, timeout: timeout}, nil
}

// Send implements Provider.
func (p *tencent) Send(ctx context.Context, _ core.App, mobile string, m Message) error {
	params, err := m.params()
	if err != nil {
		return err
	}
	req := tcsms.NewSendSmsRequest()
	req.PhoneNumberSet = common.StringPtrs([]string{"+86" + mobile})
	req.SmsSdkAppId = common.StringPtr(p.cfg.AppId)
	req.SignName = common.StringPtr(p.cfg.SignName)
	req.TemplateId = common.StringPtr(p.cfg.Templates[m.Template])
	req.TemplateParamSet = common.StringPtrs(params)
	if m.Key != "" {
		req.SessionContext = common.StringPtr(m.Key)
	}
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	resp, err := p.client.SendSmsWithContext(ctx, req)
	if err != nil {
		var te *tcerr.TencentCloudSDKError
		if errors.As(err, &te) && te.Code != "" && !isClientError(te.Code) {
			return &Error{Vendor: ProviderTencent, Code: te.Code, Message: te.Message, RequestId: te.RequestId,
				Reason: reasonOf(tencentReasons, te.Code)}
		}
		return transportError(ProviderTencent, err)
	}
	if resp == nil || resp.Response == nil || len(resp.Response.SendStatusSet) == 0 || resp.Response.SendStatusSet[0] == nil {
		return &Error{Vendor: ProviderTencent, Reason: ReasonUnavailable, Err: errors.New("answer without a send status")}
	}
	st := resp.Response.SendStatusSet[0]
	if code := deref(st.Code); code != "Ok" {
		return &Error{Vendor: ProviderTencent, Code: code, Message: deref(st.Message),
			RequestId: deref(resp.Response.RequestId), Reason: reasonOf(tencentReasons, code)}
	}
	return nil
}

// isClientError: the SDK's own codes (ClientError.*) say the answer was
// not understood (an HTTP status, a body that is not JSON): a transport
// fault, not the vendor's word.
func isClientError(code string) bool {
	return len(code) > 12 && code[:12] == "ClientError."
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// tencentReasons maps SMS SendSms's error codes (the SDK's errors.go and
// the per-number SendStatus codes); a key ending in "." is a prefix.
var tencentReasons = map[string]Reason{
	"LimitExceeded.":       ReasonThrottled,
	"RequestLimitExceeded": ReasonThrottled,

	"InvalidParameterValue.IncorrectPhoneNumber":                      ReasonBadNumber,
	"FailedOperation.PhoneNumberInBlacklist":                          ReasonBadNumber,
	"FailedOperation.PhoneNumberParseFail":                            ReasonBadNumber,
	"UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber": ReasonBadNumber,

	"AuthFailure.": ReasonCredentials,
	"UnauthorizedOperation.SmsSdkAppIdVerifyFail":   ReasonCredentials,
	"UnauthorizedOperation.RequestPermissionDeny":   ReasonCredentials,
	"UnauthorizedOperation.RequestIpNotInWhitelist": ReasonCredentials,
	"UnauthorizedOperation.SdkAppIdIsDisabled":      ReasonCredentials,
	"InvalidParameterValue.SdkAppIdNotExist":        ReasonCredentials,

	"FailedOperation.TemplateIncorrectOrUnapproved":             ReasonTemplate,
	"FailedOperation.TemplateUnapprovedOrNotExist":              ReasonTemplate,
	"FailedOperation.TemplateParamSetNotMatchApprovedTemplate":  ReasonTemplate,
	"FailedOperation.TemplateIdNotExist":                        ReasonTemplate,
	"FailedOperation.MissingTemplateList":                       ReasonTemplate,
	"InvalidParameterValue.TemplateParameterFormatError":        ReasonTemplate,
	"InvalidParameterValue.TemplateParameterLengthLimit":        ReasonTemplate,
	"InvalidParameterValue.ProhibitedUseUrlInTemplateParameter": ReasonTemplate,

	"FailedOperation.SignatureIncorrectOrUnapproved": ReasonSignName,
	"FailedOperation.MissingSignature":               ReasonSignName,

	"FailedOperation.InsufficientBalanceInSmsPackage":  ReasonBalance,
	"UnauthorizedOperation.ServiceSuspendDueToArrears": ReasonBalance,

	"InternalError.": ReasonUnavailable,
}
