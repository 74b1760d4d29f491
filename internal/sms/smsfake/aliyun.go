package smsfake

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"ihome/internal/sms"
)

// Aliyun fakes dysmsapi's SendSms (version 2017-05-25, RPC style).
type Aliyun struct {
	*fake
	AccessKeyId     string
	AccessKeySecret string
	SignName        string
}

// NewAliyun starts a fake dysmsapi endpoint; it stops when t ends.
func NewAliyun(t testing.TB) *Aliyun {
	a := &Aliyun{AccessKeyId: "LTAI5tFakeKeyId" + randomId()[:8], AccessKeySecret: "fake-secret-" + randomId(), SignName: "爱家租房"}
	a.fake = newFake(t, "SMS_4711", func(f *fake, w http.ResponseWriter, r *http.Request) { a.serve(w, r) })
	return a
}

// Config is a complete provider configuration for this fake.
func (a *Aliyun) Config() sms.AliyunConfig {
	return sms.AliyunConfig{AccessKeyId: a.AccessKeyId, AccessKeySecret: a.AccessKeySecret, SignName: a.SignName,
		Region: "cn-hangzhou", Endpoint: a.URL(), Templates: maps.Clone(a.ids)}
}

var mobilePattern = regexp.MustCompile(`^1[3-9]\d{9}$`)

// aliyunAnswer writes a dysmsapi JSON answer.
func aliyunAnswer(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	body := map[string]string{"RequestId": randomId(), "Code": code, "Message": message}
	if code == "OK" {
		body["BizId"] = randomId()[:20]
	} else if status != http.StatusOK {
		body["HostId"] = "dysmsapi.aliyuncs.com"
	}
	_ = json.NewEncoder(w).Encode(body)
}

func (a *Aliyun) serve(w http.ResponseWriter, r *http.Request) {
	refuse := func(status int, code, detail string) {
		a.refuse(code, detail)
		aliyunAnswer(w, status, code, detail)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		refuse(http.StatusBadRequest, "InvalidParameter", "body: "+err.Error())
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != "/" {
		refuse(http.StatusNotFound, "InvalidAction.NotFound", r.Method+" "+r.URL.Path)
		return
	}
	if code, detail := a.verify(r, body); code != "" {
		status := http.StatusBadRequest
		if code == "InvalidAccessKeyId.NotFound" {
			status = http.StatusNotFound
		}
		refuse(status, code, detail)
		return
	}
	if r.Header.Get("x-acs-action") != "SendSms" || r.Header.Get("x-acs-version") != "2017-05-25" {
		refuse(http.StatusBadRequest, "InvalidAction.NotFound", r.Header.Get("x-acs-action")+" "+r.Header.Get("x-acs-version"))
		return
	}

	// RPC parameters travel in the query (form bodies are accepted too)
	params := r.URL.Query()
	if form, err := url.ParseQuery(string(body)); err == nil && len(body) > 0 {
		for k, v := range form {
			params[k] = v
		}
	}
	mode := a.nextMode()
	switch mode {
	case BadSignature:
		refuse(http.StatusBadRequest, "SignatureDoesNotMatch", "Specified signature does not match our calculation.")
		return
	case ServerError:
		refuse(http.StatusInternalServerError, "ServiceUnavailable", "The request has failed due to a temporary failure of the server.")
		return
	case Timeout:
		a.hang(r)
		return
	}
	tpl, ok := a.templates[params.Get("TemplateCode")]
	switch {
	case params.Get("SignName") != a.SignName:
		refuse(http.StatusOK, "isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名: "+params.Get("SignName"))
		return
	case !ok || mode == TemplateNotApproved:
		refuse(http.StatusOK, "isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板或模板未审核通过: "+params.Get("TemplateCode"))
		return
	}
	var values map[string]string
	if err := json.Unmarshal([]byte(params.Get("TemplateParam")), &values); err != nil {
		refuse(http.StatusOK, "isv.INVALID_JSON_PARAM", "JSON参数不合法: "+params.Get("TemplateParam"))
		return
	}
	if got, want := slices.Sorted(maps.Keys(values)), slices.Sorted(slices.Values(tpl.Params)); !slices.Equal(got, want) {
		refuse(http.StatusOK, "isv.TEMPLATE_MISSING_PARAMETERS", fmt.Sprintf("模板变量缺少对应参数值: got %v, want %v", got, want))
		return
	}
	for _, p := range tpl.Params {
		if strings.TrimSpace(values[p]) == "" || len([]rune(values[p])) > 35 {
			refuse(http.StatusOK, "isv.TEMPLATE_PARAMS_ILLEGAL", "模板变量里包含非法关键字或长度超限: "+p)
			return
		}
	}
	if !mobilePattern.MatchString(params.Get("PhoneNumbers")) || mode == BadNumber {
		refuse(http.StatusOK, "isv.MOBILE_NUMBER_ILLEGAL", "非法手机号: "+params.Get("PhoneNumbers"))
		return
	}
	if mode == Throttled {
		refuse(http.StatusOK, "isv.BUSINESS_LIMIT_CONTROL", "触发号码天级流控Permits:10")
		return
	}
	a.deliver(Delivery{Mobile: params.Get("PhoneNumbers"), Template: tpl.Name, TemplateId: params.Get("TemplateCode"),
		Params: values, Key: params.Get("OutId"), SignName: params.Get("SignName")})
	aliyunAnswer(w, http.StatusOK, "OK", "OK")
}

// verify checks the request's ACS3-HMAC-SHA256 signature as Aliyun's
// "V3 request signature" document describes it, and returns the code
// Aliyun answers when it fails ("" when it holds):
//
//	CanonicalRequest = Method \n CanonicalURI \n CanonicalQueryString \n
//	                   CanonicalHeaders \n SignedHeaders \n HashedRequestPayload
//	StringToSign     = "ACS3-HMAC-SHA256" \n hex(sha256(CanonicalRequest))
//	Signature        = hex(hmac-sha256(AccessKeySecret, StringToSign))
//	Authorization    = ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=<…>,Signature=<…>
//
// Query parameters are RFC 3986 percent-encoded and sorted by name;
// headers are host, content-type and every x-acs-* header (lower-case
// names, trimmed values, sorted); the payload hash is hex(sha256(body)),
// sent as x-acs-content-sha256; x-acs-date is UTC ISO 8601 within 15
// minutes; x-acs-signature-nonce is used once.
func (a *Aliyun) verify(r *http.Request, body []byte) (code, detail string) {
	auth := r.Header.Get("Authorization")
	const algo = "ACS3-HMAC-SHA256"
	if !strings.HasPrefix(auth, algo+" ") {
		return "IncompleteSignature", "Authorization is not " + algo
	}
	fields := map[string]string{}
	for _, part := range strings.Split(strings.TrimPrefix(auth, algo+" "), ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return "IncompleteSignature", "Authorization: " + part
		}
		fields[k] = v
	}
	if fields["Credential"] != a.AccessKeyId {
		return "InvalidAccessKeyId.NotFound", "Specified access key is not found: " + fields["Credential"]
	}
	signed := strings.Split(fields["SignedHeaders"], ";")
	for _, must := range []string{"host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256"} {
		if !slices.Contains(signed, must) {
			return "IncompleteSignature", "header not signed: " + must
		}
	}
	for name := range r.Header {
		if l := strings.ToLower(name); strings.HasPrefix(l, "x-acs-") && !slices.Contains(signed, l) {
			return "IncompleteSignature", "header not signed: " + l
		}
	}
	if !slices.IsSorted(signed) {
		return "IncompleteSignature", "SignedHeaders not sorted"
	}
	payload := sha256.Sum256(body)
	if r.Header.Get("x-acs-content-sha256") != hex.EncodeToString(payload[:]) {
		return "SignatureDoesNotMatch", "x-acs-content-sha256 is not the body's hash"
	}
	date, err := time.Parse("2006-01-02T15:04:05Z", r.Header.Get("x-acs-date"))
	if err != nil || time.Since(date).Abs() > 15*time.Minute {
		return "InvalidTimeStamp.Expired", "x-acs-date: " + r.Header.Get("x-acs-date")
	}

	var headers strings.Builder
	for _, name := range signed {
		value := r.Header.Get(name)
		if name == "host" {
			value = r.Host
		}
		headers.WriteString(name + ":" + strings.TrimSpace(value) + "\n")
	}
	canonical := strings.Join([]string{r.Method, "/", canonicalQuery(r.URL.RawQuery), headers.String(),
		strings.Join(signed, ";"), hex.EncodeToString(payload[:])}, "\n")
	sum := sha256.Sum256([]byte(canonical))
	mac := hmac.New(sha256.New, []byte(a.AccessKeySecret))
	mac.Write([]byte(algo + "\n" + hex.EncodeToString(sum[:])))
	want := hex.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(want), []byte(fields["Signature"])) {
		return "SignatureDoesNotMatch", "Specified signature does not match our calculation."
	}
	// a replayed request is refused only once it proved to be genuine
	if !a.useNonce(r.Header.Get("x-acs-signature-nonce")) {
		return "SignatureNonceUsed", "Specified signature nonce was used already."
	}
	return "", ""
}

// canonicalQuery is raw's parameters, RFC 3986-encoded, sorted by name.
func canonicalQuery(raw string) string {
	values, _ := url.ParseQuery(raw)
	type pair struct{ k, v string }
	var pairs []pair
	for k, vs := range values {
		for _, v := range vs {
			pairs = append(pairs, pair{percentEncode(k), percentEncode(v)})
		}
	}
	slices.SortFunc(pairs, func(a, b pair) int { return strings.Compare(a.k+"\x00"+a.v, b.k+"\x00"+b.v) })
	out := make([]string, len(pairs))
	for i, p := range pairs {
		out[i] = p.k + "=" + p.v
	}
	return strings.Join(out, "&")
}

// percentEncode is RFC 3986 encoding: A–Z a–z 0–9 - _ . ~ stay, every
// other byte is %XX (upper-case hex).
func percentEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
