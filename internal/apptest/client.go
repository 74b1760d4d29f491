package apptest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"ihome/internal/csrf"
)

// Client talks to the app like a browser: it keeps cookies and echoes the
// csrf_token cookie in X-CSRFToken on unsafe requests. Every /api/v1.0
// request it sends and every answer it gets is checked against the OpenAPI
// document, docs/openapi.yaml (Contract): an answer the document does not
// describe, or a success to a request it refuses, fails the test.
type Client struct {
	t    testing.TB
	base string
	hc   *http.Client

	contract  *Contract
	malformed bool // requests meant to break the contract: not checked

	// IP is sent as X-Forwarded-For when set.
	IP string
	// Bearer, when set, is sent as "Authorization: Bearer …".
	Bearer string
	// NoCSRF stops the client from sending X-CSRFToken.
	NoCSRF bool
}

// Response is a decoded answer.
type Response struct {
	Status int             `json:"-"`
	Header http.Header     `json:"-"`
	Body   []byte          `json:"-"`
	Errno  string          `json:"errno"`
	Errmsg string          `json:"errmsg"`
	Data   json.RawMessage `json:"data"`
	// Err is why no answer came (a transport error): Status is then 0.
	// The test has already been marked failed.
	Err error `json:"-"`
}

// Client returns a new client with an empty cookie jar.
func (a *App) Client() *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{t: a.t, base: a.Server.URL, hc: &http.Client{Jar: jar}, contract: a.Contract}
}

// Malformed returns a copy of c (sharing its cookie jar) for requests that
// break the contract on purpose: hostile or fuzzed bodies, unknown routes
// and methods, fields the document does not list. They are sent
// unchecked, and may be answered with a success (a test of "unknown fields
// are ignored", say); their answers are still checked against the
// document. Without it, a request the document refuses must be refused by
// the server (Exchange.CheckResponse).
func (c *Client) Malformed() *Client {
	cp := *c
	cp.malformed = true
	return &cp
}

// Cookie returns the value of the client's cookie name, "" when none.
func (c *Client) Cookie(name string) string {
	u, _ := url.Parse(c.base)
	for _, ck := range c.hc.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// SetCookie puts a cookie in the client's jar.
func (c *Client) SetCookie(name, value string) {
	u, _ := url.Parse(c.base)
	c.hc.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

// Get sends a GET.
func (c *Client) Get(path string) *Response { return c.Do(http.MethodGet, path, nil) }

// Post sends body as JSON (or as is when it is an io.Reader or url.Values).
func (c *Client) Post(path string, body any) *Response { return c.Do(http.MethodPost, path, body) }

// Put sends body like Post.
func (c *Client) Put(path string, body any) *Response { return c.Do(http.MethodPut, path, body) }

// Delete sends a DELETE.
func (c *Client) Delete(path string) *Response { return c.Do(http.MethodDelete, path, nil) }

// Do sends a request and decodes the envelope (when the answer is JSON).
// Like Send it may be called from any goroutine.
func (c *Client) Do(method, path string, body any) *Response {
	c.t.Helper()
	var rd io.Reader
	contentType := ""
	switch b := body.(type) {
	case nil:
	case url.Values:
		rd, contentType = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	case io.Reader:
		rd, contentType = b, "application/json"
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			return c.failed(fmt.Errorf("encode body: %w", err))
		}
		rd, contentType = bytes.NewReader(raw), "application/json"
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return c.failed(fmt.Errorf("request: %w", err))
	}
	return c.Send(req, contentType)
}

// Send sends a prepared request, adding the client's headers. It may be
// called from any goroutine (apptest.Fire's, say): a transport error marks
// the test failed with t.Errorf, never t.Fatal, and comes back as a
// Response with Err set and Status 0, so callers that tally answers see it.
//
// A request with "Expect: 100-continue" waits for the server's go-ahead
// before its body is read: the server gives it when the handler first
// reads the body, so a body reader that blocks marks that moment.
func (c *Client) Send(req *http.Request, contentType string) *Response {
	c.t.Helper()
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.IP != "" {
		req.Header.Set("X-Forwarded-For", c.IP)
	}
	if c.Bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.Bearer)
	}
	if req.Method != http.MethodGet && !c.NoCSRF {
		if c.Cookie(csrf.CookieName) == "" && c.Bearer == "" {
			c.Get("/api/v1.0/session") // any response hands out the cookie
		}
		if token := c.Cookie(csrf.CookieName); token != "" {
			req.Header.Set(csrf.HeaderName, token)
		}
	}
	var x *Exchange
	if c.contract != nil {
		x = c.contract.CheckRequest(req, c.malformed)
	}
	hc := c.hc
	if req.Header.Get("Expect") == "100-continue" {
		hc = c.expectContinue()
		defer hc.CloseIdleConnections()
	}
	res, err := hc.Do(req)
	if err != nil {
		return c.failed(fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, err))
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return c.failed(fmt.Errorf("%s %s: read body: %w", req.Method, req.URL.Path, err))
	}
	out := &Response{Status: res.StatusCode, Header: res.Header, Body: raw}
	c.breaks(req, x.CheckResponse(res.StatusCode, res.Header, raw))
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Errorf("%s %s: not an envelope: %v: %s", req.Method, req.URL.Path, err, raw)
			out.Err = err
		}
	}
	return out
}

// breaks reports what of req's exchange the document does not describe
// (safe from any goroutine, like failed).
func (c *Client) breaks(req *http.Request, problems []string) {
	c.t.Helper()
	if len(problems) == 0 {
		return
	}
	for i, p := range problems {
		problems[i] = shorten(p)
	}
	c.t.Errorf("%s %s does not follow docs/openapi.yaml:\n%s", req.Method, req.URL.RequestURI(), strings.Join(problems, "\n"))
}

// failed reports err (safe from any goroutine) and returns it as an answer.
func (c *Client) failed(err error) *Response {
	c.t.Helper()
	c.t.Errorf("%v", err)
	return &Response{Err: err}
}

// expectContinue is the client with a transport that waits for the
// server's "100 Continue" before it sends a body (the default transport
// gives up after a second and sends it anyway).
func (c *Client) expectContinue() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if base, ok := c.hc.Transport.(*http.Transport); ok {
		tr = base.Clone()
	}
	tr.ExpectContinueTimeout = time.Minute
	return &http.Client{Jar: c.hc.Jar, Transport: tr}
}

// Decode unmarshals the envelope's data into v.
func (r *Response) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Data, v); err != nil {
		t.Fatalf("decode data %s: %v", r.Data, err)
	}
}

// Expect fails t unless the answer has the HTTP status and errno given.
// Like every check that takes t, call it from the test's goroutine.
func (r *Response) Expect(t testing.TB, status int, errno string) *Response {
	t.Helper()
	if r.Err != nil {
		t.Fatalf("want HTTP %d errno %s, got no answer: %v", status, errno, r.Err)
	}
	if r.Status != status || r.Errno != errno {
		t.Fatalf("want HTTP %d errno %s, got HTTP %d: %s", status, errno, r.Status, r.Body)
	}
	return r
}

// OK fails t unless the answer is HTTP 200 errno "0".
func (r *Response) OK(t testing.TB) *Response {
	t.Helper()
	return r.Expect(t, http.StatusOK, "0")
}
