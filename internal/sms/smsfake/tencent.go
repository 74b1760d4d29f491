package smsfake

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"ihome/internal/sms"
)

// Tencent fakes Tencent Cloud SMS's SendSms (version 2021-01-11).
type Tencent struct {
	*fake
	SecretId  string
	SecretKey string
	AppId     string
	SignName  string
}

// NewTencent starts a fake SMS endpoint; it stops when t ends.
func NewTencent(t testing.TB) *Tencent {
	c := &Tencent{SecretId: "AKIDfake" + randomId()[:16], SecretKey: "fakekey" + randomId(), AppId: "1400987654", SignName: "爱家租房"}
	c.fake = newFake(t, "20251", func(f *fake, w http.ResponseWriter, r *http.Request) { c.serve(w, r) })
	return c
}

// Config is a complete provider configuration for this fake.
func (c *Tencent) Config() sms.TencentConfig {
	return sms.TencentConfig{SecretId: c.SecretId, SecretKey: c.SecretKey, AppId: c.AppId, SignName: c.SignName,
		Region: "ap-guangzhou", Endpoint: c.URL(), Templates: maps.Clone(c.ids)}
}

var tencentPhone = regexp.MustCompile(`^(\+86)?(1[3-9]\d{9})$`)

type tencentStatus struct {
	SerialNo       string
	PhoneNumber    string
	Fee            int
	SessionContext string
	Code           string
	Message        string
	IsoCode        string
}

// tencentError writes the answer Tencent Cloud gives for a refused
// request: HTTP 200, Response.Error.
func tencentError(w http.ResponseWriter, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"Response": map[string]any{
		"Error": map[string]string{"Code": code, "Message": message}, "RequestId": randomId()}})
}

func tencentStatusAnswer(w http.ResponseWriter, st tencentStatus) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"Response": map[string]any{
		"SendStatusSet": []tencentStatus{st}, "RequestId": randomId()}})
}

func (c *Tencent) serve(w http.ResponseWriter, r *http.Request) {
	refuse := func(code, detail string) {
		c.refuse(code, detail)
		tencentError(w, code, detail)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		refuse("InvalidParameter", "body: "+err.Error())
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != "/" {
		refuse("UnsupportedProtocol", r.Method+" "+r.URL.Path)
		return
	}
	if code, detail := c.verify(r, body); code != "" {
		refuse(code, detail)
		return
	}
	if r.Header.Get("X-TC-Action") != "SendSms" || r.Header.Get("X-TC-Version") != "2021-01-11" {
		refuse("InvalidAction", r.Header.Get("X-TC-Action")+" "+r.Header.Get("X-TC-Version"))
		return
	}
	var req struct {
		PhoneNumberSet   []string
		SmsSdkAppId      string
		TemplateId       string
		SignName         string
		TemplateParamSet []string
		SessionContext   string
	}
	if err := json.Unmarshal(body, &req); err != nil {
		refuse("FailedOperation.JsonParseFail", err.Error())
		return
	}
	mode := c.nextMode()
	switch mode {
	case BadSignature:
		refuse("AuthFailure.SignatureFailure", "The provided credentials could not be validated. Please check your signature is correct.")
		return
	case ServerError:
		c.refuse("HTTP 500", "")
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	case Timeout:
		c.hang(r)
		return
	}
	tpl, ok := c.templates[req.TemplateId]
	switch {
	case req.SmsSdkAppId != c.AppId:
		refuse("UnauthorizedOperation.SmsSdkAppIdVerifyFail", "SmsSdkAppId: "+req.SmsSdkAppId)
		return
	case req.SignName != c.SignName:
		refuse("FailedOperation.SignatureIncorrectOrUnapproved", "签名未审批或格式错误: "+req.SignName)
		return
	case !ok || mode == TemplateNotApproved:
		refuse("FailedOperation.TemplateIncorrectOrUnapproved", "模板未审批或内容不匹配: "+req.TemplateId)
		return
	case len(req.TemplateParamSet) != len(tpl.Params):
		refuse("FailedOperation.TemplateParamSetNotMatchApprovedTemplate", "请求内容与审核通过的模板内容不匹配")
		return
	case len(req.PhoneNumberSet) != 1:
		refuse("LimitExceeded.PhoneNumberCountLimit", "one number a request in this fake")
		return
	}
	params := map[string]string{}
	for i, p := range tpl.Params {
		v := req.TemplateParamSet[i]
		if strings.TrimSpace(v) == "" || len([]rune(v)) > 32 { // 其他号码 variables: at most 32
			refuse("InvalidParameterValue.TemplateParameterFormatError", "模板参数格式错误或参数过长: "+p)
			return
		}
		params[p] = v
	}
	st := tencentStatus{SerialNo: randomId(), PhoneNumber: req.PhoneNumberSet[0], Fee: 1,
		SessionContext: req.SessionContext, Code: "Ok", Message: "send success", IsoCode: "CN"}
	m := tencentPhone.FindStringSubmatch(req.PhoneNumberSet[0])
	switch {
	case m == nil || mode == BadNumber:
		st.Code, st.Message, st.Fee = "InvalidParameterValue.IncorrectPhoneNumber", "手机号格式错误", 0
	case mode == Throttled:
		st.Code, st.Message, st.Fee = "LimitExceeded.PhoneNumberThirtySecondLimit", "单个手机号30秒内下发短信条数超过设定的上限", 0
	}
	if st.Code != "Ok" {
		c.refuse(st.Code, st.Message)
		tencentStatusAnswer(w, st)
		return
	}
	c.deliver(Delivery{Mobile: m[2], Template: tpl.Name, TemplateId: req.TemplateId, Params: params,
		Key: req.SessionContext, SignName: req.SignName})
	tencentStatusAnswer(w, st)
}

// verify checks the request's TC3-HMAC-SHA256 signature as Tencent
// Cloud's "signature v3" document describes it, and returns the error
// code Tencent answers when it fails ("" when it holds):
//
//	CanonicalRequest = Method \n CanonicalURI \n CanonicalQueryString \n
//	                   CanonicalHeaders \n SignedHeaders \n hex(sha256(payload))
//	StringToSign     = "TC3-HMAC-SHA256" \n Timestamp \n Date/service/tc3_request \n hex(sha256(CanonicalRequest))
//	SecretDate       = hmac("TC3"+SecretKey, Date); SecretService = hmac(SecretDate, service)
//	SecretSigning    = hmac(SecretService, "tc3_request")
//	Signature        = hex(hmac(SecretSigning, StringToSign))
//	Authorization    = TC3-HMAC-SHA256 Credential=<SecretId>/<Date>/<service>/tc3_request, SignedHeaders=<…>, Signature=<…>
//
// Canonical headers are the signed ones, name and value in lower case,
// trimmed, "name:value\n" each; content-type and host must be signed;
// Date is the UTC date of X-TC-Timestamp, which must be within 5 minutes.
func (c *Tencent) verify(r *http.Request, body []byte) (code, detail string) {
	const algo = "TC3-HMAC-SHA256"
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, algo+" ") {
		return "AuthFailure.InvalidAuthorization", "Authorization is not " + algo
	}
	fields := map[string]string{}
	for _, part := range strings.Split(strings.TrimPrefix(auth, algo+" "), ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return "AuthFailure.InvalidAuthorization", "Authorization: " + part
		}
		fields[k] = v
	}
	cred := strings.Split(fields["Credential"], "/")
	if len(cred) != 4 || cred[3] != "tc3_request" {
		return "AuthFailure.InvalidAuthorization", "Credential: " + fields["Credential"]
	}
	if cred[0] != c.SecretId {
		return "AuthFailure.SecretIdNotFound", "The SecretId is not found: " + cred[0]
	}
	if cred[2] != "sms" {
		return "AuthFailure.InvalidAuthorization", "service: " + cred[2]
	}
	ts, err := strconv.ParseInt(r.Header.Get("X-TC-Timestamp"), 10, 64)
	if err != nil || time.Since(time.Unix(ts, 0)).Abs() > 5*time.Minute {
		return "AuthFailure.SignatureExpire", "X-TC-Timestamp: " + r.Header.Get("X-TC-Timestamp")
	}
	date := time.Unix(ts, 0).UTC().Format("2006-01-02")
	if cred[1] != date {
		return "AuthFailure.SignatureFailure", "credential date " + cred[1] + " is not the timestamp's " + date
	}
	signed := strings.Split(fields["SignedHeaders"], ";")
	if !slices.Contains(signed, "content-type") || !slices.Contains(signed, "host") {
		return "AuthFailure.SignatureFailure", "content-type and host must be signed"
	}
	var headers strings.Builder
	for _, name := range signed {
		value := r.Header.Get(name)
		if name == "host" {
			value = r.Host
		}
		headers.WriteString(strings.ToLower(name) + ":" + strings.ToLower(strings.TrimSpace(value)) + "\n")
	}
	payload := sha256.Sum256(body)
	canonical := strings.Join([]string{r.Method, "/", canonicalQuery(r.URL.RawQuery), headers.String(),
		fields["SignedHeaders"], hex.EncodeToString(payload[:])}, "\n")
	sum := sha256.Sum256([]byte(canonical))
	toSign := strings.Join([]string{algo, strconv.FormatInt(ts, 10), date + "/sms/tc3_request", hex.EncodeToString(sum[:])}, "\n")
	hm := func(key []byte, msg string) []byte {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(msg))
		return h.Sum(nil)
	}
	signing := hm(hm(hm([]byte("TC3"+c.SecretKey), date), "sms"), "tc3_request")
	want := hex.EncodeToString(hm(signing, toSign))
	if !hmac.Equal([]byte(want), []byte(fields["Signature"])) {
		return "AuthFailure.SignatureFailure", "The provided credentials could not be validated. Please check your signature is correct."
	}
	return "", ""
}
