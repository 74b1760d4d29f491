package s3fake

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// verifySignature checks r's AWS Signature Version 4 header
// (Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…,
// Signature=…) against the keys. It answers the S3 error code and message
// of a refusal, or "" when the signature is right. The payload is not
// hashed here: S3 checks x-amz-content-sha256 against the body as it
// reads it, and gofakes3's integrity check covers Content-MD5.
func verifySignature(r *http.Request, accessKey, secretKey string) (code, msg string) {
	auth := r.Header.Get("Authorization")
	const algo = "AWS4-HMAC-SHA256"
	if !strings.HasPrefix(auth, algo+" ") {
		return "AccessDenied", "the request is not signed with AWS Signature Version 4"
	}
	fields := map[string]string{}
	for _, part := range strings.Split(strings.TrimPrefix(auth, algo+" "), ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		fields[k] = v
	}
	credential := strings.Split(fields["Credential"], "/")
	if len(credential) != 5 || credential[4] != "aws4_request" {
		return "AuthorizationHeaderMalformed", "bad Credential"
	}
	if credential[0] != accessKey {
		return "InvalidAccessKeyId", "the access key does not exist"
	}
	date, region, service := credential[1], credential[2], credential[3]
	amzDate := r.Header.Get("X-Amz-Date")
	if !strings.HasPrefix(amzDate, date) {
		return "AuthorizationHeaderMalformed", "X-Amz-Date does not match the credential date"
	}
	signed := strings.Split(fields["SignedHeaders"], ";")
	if !contains(signed, "host") {
		return "AuthorizationHeaderMalformed", "host is not signed"
	}

	var canon strings.Builder
	canon.WriteString(r.Method + "\n")
	canon.WriteString(r.URL.EscapedPath() + "\n")
	canon.WriteString(canonicalQuery(r.URL.Query()) + "\n")
	for _, h := range signed {
		canon.WriteString(h + ":" + headerValue(r, h) + "\n")
	}
	canon.WriteString("\n" + fields["SignedHeaders"] + "\n")
	payload := r.Header.Get("X-Amz-Content-Sha256")
	if payload == "" {
		payload = "UNSIGNED-PAYLOAD"
	}
	canon.WriteString(payload)

	scope := date + "/" + region + "/" + service + "/aws4_request"
	toSign := algo + "\n" + amzDate + "\n" + scope + "\n" + hexSHA256(canon.String())
	key := hmacSHA256([]byte("AWS4"+secretKey), date)
	for _, s := range []string{region, service, "aws4_request"} {
		key = hmacSHA256(key, s)
	}
	want := hex.EncodeToString(hmacSHA256(key, toSign))
	if !hmac.Equal([]byte(want), []byte(fields["Signature"])) {
		return "SignatureDoesNotMatch", "the request signature does not match"
	}
	return "", ""
}

// headerValue is a signed header's value as the signer saw it: Host and
// Content-Length live outside r.Header on a server.
func headerValue(r *http.Request, name string) string {
	switch name {
	case "host":
		return r.Host
	case "content-length":
		if v := r.Header.Get("Content-Length"); v != "" {
			return v
		}
		return strconv.FormatInt(r.ContentLength, 10)
	}
	vals := r.Header.Values(name)
	for i, v := range vals {
		vals[i] = strings.Join(strings.Fields(v), " ")
	}
	return strings.Join(vals, ",")
}

// canonicalQuery is SigV4's query string: keys and values escaped with
// RFC 3986's unreserved set, sorted by key then value.
func canonicalQuery(q url.Values) string {
	type pair struct{ k, v string }
	var pairs []pair
	for k, vs := range q {
		for _, v := range vs {
			pairs = append(pairs, pair{escape(k), escape(v)})
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	out := make([]string, len(pairs))
	for i, p := range pairs {
		out[i] = p.k + "=" + p.v
	}
	return strings.Join(out, "&")
}

func escape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func hexSHA256(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func hmacSHA256(key []byte, s string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(s))
	return h.Sum(nil)
}
