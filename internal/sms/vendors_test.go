package sms_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"ihome/internal/sms"
	"ihome/internal/sms/smsfake"
)

// vendor is one vendor's fake and a provider configured for it.
type vendor struct {
	name string
	fake interface {
		Fail(smsfake.Mode, int)
		Deliveries() []smsfake.Delivery
		Refusals() []smsfake.Refusal
		URL() string
	}
	config func(endpoint, secret string) sms.Config
}

func vendors(t *testing.T) []vendor {
	a, c := smsfake.NewAliyun(t), smsfake.NewTencent(t)
	return []vendor{
		{"aliyun", a, func(endpoint, secret string) sms.Config {
			cfg := a.Config()
			cfg.Endpoint = endpoint
			if secret != "" {
				cfg.AccessKeySecret = secret
			}
			return sms.Config{Provider: sms.ProviderAliyun, Timeout: 2 * time.Second, Aliyun: cfg}
		}},
		{"tencent", c, func(endpoint, secret string) sms.Config {
			cfg := c.Config()
			cfg.Endpoint = endpoint
			if secret != "" {
				cfg.SecretKey = secret
			}
			return sms.Config{Provider: sms.ProviderTencent, Timeout: 2 * time.Second, Tencent: cfg}
		}},
	}
}

func provider(t *testing.T, cfg sms.Config) sms.Provider {
	t.Helper()
	p, err := sms.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func orderMessage(key string) sms.Message {
	return sms.Message{Template: sms.TemplateOrderNew, Key: key,
		Params: map[string]string{sms.ParamOrder: "17", sms.ParamStart: "2026-12-01", sms.ParamEnd: "2026-12-03"}}
}

// TestVendorsDeliverSignedTemplates: each provider's request passes its
// fake's signature check and names the configured template id, the sign
// name, the parameters by name and the idempotency key.
func TestVendorsDeliverSignedTemplates(t *testing.T) {
	for _, v := range vendors(t) {
		t.Run(v.name, func(t *testing.T) {
			p := provider(t, v.config(v.fake.URL(), ""))
			code := sms.Message{Template: sms.TemplateCode, Params: map[string]string{sms.ParamCode: "042917"}}
			if err := p.Send(context.Background(), nil, "13800000001", code); err != nil {
				t.Fatal(err)
			}
			if err := p.Send(context.Background(), nil, "13800000002", orderMessage("k-1")); err != nil {
				t.Fatal(err)
			}
			got := v.fake.Deliveries()
			if len(got) != 2 || len(v.fake.Refusals()) != 0 {
				t.Fatalf("deliveries %+v refusals %+v", got, v.fake.Refusals())
			}
			if d := got[0]; d.Mobile != "13800000001" || d.Template != sms.TemplateCode || d.Params[sms.ParamCode] != "042917" ||
				len(d.Params) != 1 || d.SignName != "爱家租房" || d.Key != "" {
				t.Fatalf("code delivery %+v", d)
			}
			if d := got[1]; d.Mobile != "13800000002" || d.Template != sms.TemplateOrderNew || d.Key != "k-1" ||
				d.Params[sms.ParamOrder] != "17" || d.Params[sms.ParamStart] != "2026-12-01" || d.Params[sms.ParamEnd] != "2026-12-03" {
				t.Fatalf("order delivery %+v", d)
			}
		})
	}
}

// TestVendorFailuresAreClassified: every failure the vendors document
// comes back as an *sms.Error with the vendor's code and what it means.
func TestVendorFailuresAreClassified(t *testing.T) {
	for _, v := range vendors(t) {
		t.Run(v.name, func(t *testing.T) {
			for _, c := range []struct {
				mode   smsfake.Mode
				reason sms.Reason
				code   map[string]string // vendor → code
			}{
				{smsfake.Throttled, sms.ReasonThrottled, map[string]string{"aliyun": "isv.BUSINESS_LIMIT_CONTROL", "tencent": "LimitExceeded.PhoneNumberThirtySecondLimit"}},
				{smsfake.BadNumber, sms.ReasonBadNumber, map[string]string{"aliyun": "isv.MOBILE_NUMBER_ILLEGAL", "tencent": "InvalidParameterValue.IncorrectPhoneNumber"}},
				{smsfake.BadSignature, sms.ReasonCredentials, map[string]string{"aliyun": "SignatureDoesNotMatch", "tencent": "AuthFailure.SignatureFailure"}},
				{smsfake.TemplateNotApproved, sms.ReasonTemplate, map[string]string{"aliyun": "isv.SMS_TEMPLATE_ILLEGAL", "tencent": "FailedOperation.TemplateIncorrectOrUnapproved"}},
				{smsfake.ServerError, sms.ReasonUnavailable, map[string]string{"aliyun": "ServiceUnavailable", "tencent": ""}},
			} {
				v.fake.Fail(c.mode, 1)
				err := provider(t, v.config(v.fake.URL(), "")).Send(context.Background(), nil, "13800000003", orderMessage("k-2"))
				var se *sms.Error
				if !errors.As(err, &se) || se.Reason != c.reason || se.Vendor != v.name || se.Code != c.code[v.name] {
					t.Fatalf("mode %d: %#v", c.mode, err)
				}
				if se.Permanent() != (c.reason == sms.ReasonBadNumber) {
					t.Fatalf("mode %d: permanent %v", c.mode, se.Permanent())
				}
				if c.code[v.name] != "" && (!strings.Contains(err.Error(), c.code[v.name]) || !strings.Contains(err.Error(), string(c.reason))) {
					t.Fatalf("log line lacks the code and its meaning: %s", err)
				}
			}
			if n := len(v.fake.Deliveries()); n != 0 {
				t.Fatalf("%d deliveries from failures", n)
			}
			// the fake recovers after the failures asked for
			if err := provider(t, v.config(v.fake.URL(), "")).Send(context.Background(), nil, "13800000003", orderMessage("k-2")); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestVendorTimeout: a vendor that never answers costs one timeout.
func TestVendorTimeout(t *testing.T) {
	for _, v := range vendors(t) {
		t.Run(v.name, func(t *testing.T) {
			cfg := v.config(v.fake.URL(), "")
			cfg.Timeout = 300 * time.Millisecond
			if v.name == "tencent" {
				cfg.Timeout = time.Second // the SDK's own limit counts whole seconds
			}
			v.fake.Fail(smsfake.Timeout, 1)
			start := time.Now()
			err := provider(t, cfg).Send(context.Background(), nil, "13800000004", orderMessage("k-3"))
			var se *sms.Error
			if !errors.As(err, &se) || se.Reason != sms.ReasonTimeout {
				t.Fatalf("%#v", err)
			}
			if d := time.Since(start); d > cfg.Timeout+2*time.Second {
				t.Fatalf("took %v", d)
			}
		})
	}
}

// TestWrongSecretFailsTheSignatureCheck: a provider with the wrong secret
// signs differently; the fake's own verification refuses it.
func TestWrongSecretFailsTheSignatureCheck(t *testing.T) {
	for _, v := range vendors(t) {
		t.Run(v.name, func(t *testing.T) {
			err := provider(t, v.config(v.fake.URL(), "not-the-secret")).Send(context.Background(), nil, "13800000005", orderMessage("k-4"))
			var se *sms.Error
			if !errors.As(err, &se) || se.Reason != sms.ReasonCredentials {
				t.Fatalf("%#v", err)
			}
			r := v.fake.Refusals()
			if len(r) != 1 || (r[0].Code != "SignatureDoesNotMatch" && r[0].Code != "AuthFailure.SignatureFailure") {
				t.Fatalf("refusals %+v", r)
			}
		})
	}
}

// TestFakesVerifyWhatIsSigned: a proxy between provider and fake changes
// the number after signing (in the query for Aliyun, in the JSON body for
// Tencent); the fake must refuse the altered request, and a replayed
// Aliyun request (same nonce) too.
func TestFakesVerifyWhatIsSigned(t *testing.T) {
	for _, v := range vendors(t) {
		t.Run(v.name, func(t *testing.T) {
			target, _ := url.Parse(v.fake.URL())
			var tamper atomic.Bool
			proxy := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
				pr.SetURL(target)
				pr.Out.Host = pr.In.Host // the host that was signed
				if !tamper.Load() {
					return
				}
				if q := pr.Out.URL.Query(); q.Has("PhoneNumbers") {
					q.Set("PhoneNumbers", "13800000099")
					pr.Out.URL.RawQuery = q.Encode()
				}
				if b, err := io.ReadAll(pr.In.Body); err == nil && len(b) > 0 {
					body := strings.Replace(string(b), "13800000006", "13800000099", 1)
					pr.Out.Body = httpBody(body)
					pr.Out.ContentLength = int64(len(body))
				}
			}})
			defer proxy.Close()
			p := provider(t, v.config(proxy.URL, ""))
			// the proxy alone changes nothing that is signed
			if err := p.Send(context.Background(), nil, "13800000006", orderMessage("k-5")); err != nil {
				t.Fatalf("untouched request: %v", err)
			}
			tamper.Store(true)
			err := p.Send(context.Background(), nil, "13800000006", orderMessage("k-5"))
			var se *sms.Error
			if !errors.As(err, &se) || se.Reason != sms.ReasonCredentials {
				t.Fatalf("altered request: %#v", err)
			}
			if d := v.fake.Deliveries(); len(d) != 1 || d[0].Mobile != "13800000006" {
				t.Fatalf("altered request delivered: %+v", d)
			}
		})
	}
}

// TestAliyunReplayRefused: the same signed request twice: the nonce is spent.
func TestAliyunReplayRefused(t *testing.T) {
	a := smsfake.NewAliyun(t)
	target, _ := url.Parse(a.URL())
	var replays []error
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for range 2 {
			out := r.Clone(r.Context())
			out.URL.Scheme, out.URL.Host, out.RequestURI = target.Scheme, target.Host, ""
			out.Host = r.Host
			res, err := http.DefaultTransport.RoundTrip(out)
			if err != nil {
				replays = append(replays, err)
				continue
			}
			if w.Header().Get("Content-Type") == "" {
				w.Header().Set("Content-Type", res.Header.Get("Content-Type"))
				w.WriteHeader(res.StatusCode)
				_, _ = copyBody(w, res)
			}
			res.Body.Close()
		}
	}))
	defer proxy.Close()
	cfg := a.Config()
	cfg.Endpoint = proxy.URL
	if err := provider(t, sms.Config{Provider: sms.ProviderAliyun, Aliyun: cfg}).Send(context.Background(), nil, "13800000007", orderMessage("k-6")); err != nil {
		t.Fatal(err)
	}
	if len(replays) != 0 || len(a.Deliveries()) != 1 {
		t.Fatalf("replays %v deliveries %d", replays, len(a.Deliveries()))
	}
	if r := a.Refusals(); len(r) != 1 || r[0].Code != "SignatureNonceUsed" {
		t.Fatalf("replay not refused: %+v", r)
	}
}
