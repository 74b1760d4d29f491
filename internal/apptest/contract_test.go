package apptest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// recorder is a testing.TB that keeps the failures the client reports, so
// a test can check that a contract breach is reported.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

// fakeServer answers every request with status and body (JSON), as a
// server that breaks the document would.
func fakeServer(t *testing.T, status int, body string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func contractClient(t *testing.T, rec *recorder, srv *httptest.Server) *Client {
	t.Helper()
	ct, err := LoadContract()
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	c := &Client{t: rec, base: srv.URL, hc: &http.Client{Jar: jar}, contract: ct, Bearer: "token"}
	return c
}

// TestContractReportsWhatTheDocumentLacks: the client fails the test whose
// exchange the document does not describe, and only then.
func TestContractReportsWhatTheDocumentLacks(t *testing.T) {
	areas := `{"errno":"0","errmsg":"OK","data":[{"aid":1,"aname":"东城区"}]}`
	cases := []struct {
		name         string
		status       int
		answer       string
		method, path string
		body         any
		malformed    bool
		want         string // part of the report; "" = no report
	}{
		{"documented answer", 200, areas, "GET", "/api/v1.0/areas", nil, false, ""},
		{"undocumented field", 200, `{"errno":"0","errmsg":"OK","data":[{"aid":1,"aname":"东城区","secret":"x"}]}`,
			"GET", "/api/v1.0/areas", nil, false, "additional properties 'secret' not allowed"},
		{"wrong type", 200, `{"errno":"0","errmsg":"OK","data":[{"aid":"1","aname":"东城区"}]}`,
			"GET", "/api/v1.0/areas", nil, false, "answer (HTTP 200"},
		{"errno the route does not answer", 200, `{"errno":"4105","errmsg":"用户身份错误"}`,
			"GET", "/api/v1.0/areas", nil, false, "answer (HTTP 200"},
		{"errno it does answer", 200, `{"errno":"4002","errmsg":"房屋不存在"}`,
			"GET", "/api/v1.0/houses/9", nil, false, ""},
		{"data on an error", 200, `{"errno":"4002","errmsg":"房屋不存在","data":{}}`,
			"GET", "/api/v1.0/houses/9", nil, false, "answer (HTTP 200"},
		{"undocumented status", 418, `{"errno":"4500","errmsg":"内部错误"}`,
			"GET", "/api/v1.0/areas", nil, false, "status is not supported"},
		{"undocumented route that answers", 200, `{"errno":"0","errmsg":"OK"}`,
			"GET", "/api/v1.0/nope", nil, true, "no route of docs/openapi.yaml takes GET /api/v1.0/nope"},
		{"undocumented route refused", 404, `{"errno":"4002","errmsg":"无数据"}`,
			"GET", "/api/v1.0/nope", nil, false, ""},
		{"refused request, refused", 200, `{"errno":"4103","errmsg":"参数错误: name"}`,
			"POST", "/api/v1.0/user/name", map[string]any{"name": 7}, false, ""},
		{"refused request, accepted", 200, `{"errno":"0","errmsg":"OK"}`,
			"POST", "/api/v1.0/user/name", map[string]any{"name": 7}, false, "the server accepted a request the document refuses"},
		{"undocumented request field, accepted", 200, `{"errno":"0","errmsg":"OK"}`,
			"POST", "/api/v1.0/user/name", map[string]any{"name": "小王", "nick": "x"}, false, "nick"},
		{"id out of range, accepted", 200, `{"errno":"0","errmsg":"OK"}`,
			"PUT", "/api/v1.0/orders/comment", map[string]any{"order_id": 0, "comment": "好"}, false, "order_id"},
		{"count out of range, accepted", 200, `{"errno":"0","errmsg":"OK","data":{"house_id":1}}`,
			"POST", "/api/v1.0/houses", publishBody(map[string]any{"room_count": 101}), false, "room_count"},
		{"documented house, accepted", 200, `{"errno":"0","errmsg":"OK","data":{"house_id":1}}`,
			"POST", "/api/v1.0/houses", publishBody(map[string]any{"room_count": "100"}), false, ""},
		{"malformed on purpose, accepted", 200, `{"errno":"0","errmsg":"OK"}`,
			"POST", "/api/v1.0/user/name", map[string]any{"name": "小王", "nick": "x"}, true, ""},
		{"malformed, answer still checked", 200, `{"errno":"0","errmsg":"OK","data":{"x":1}}`,
			"POST", "/api/v1.0/user/name", map[string]any{"nick": "x"}, true, "answer (HTTP 200"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{TB: t}
			c := contractClient(t, rec, fakeServer(t, tc.status, tc.answer))
			if tc.malformed {
				c = c.Malformed()
			}
			c.Do(tc.method, tc.path, tc.body)
			got := strings.Join(rec.errors, "\n")
			switch {
			case tc.want == "" && got != "":
				t.Fatalf("reported a documented exchange:\n%s", got)
			case tc.want != "" && !strings.Contains(got, tc.want):
				t.Fatalf("want a report with %q, got:\n%s", tc.want, got)
			}
		})
	}
}

// publishBody is a documented publish body with the fields of change.
func publishBody(change map[string]any) map[string]any {
	h := map[string]any{"title": "国贸精装一居", "price": "399.50", "area_id": 3, "address": "建国路88号", "room_count": 1,
		"acreage": 45, "unit": "一室一厅", "capacity": 2, "beds": "双人床一张", "deposit": 0, "min_days": 1, "max_days": 0,
		"facility": []any{1, "2"}}
	for k, v := range change {
		h[k] = v
	}
	return h
}

// TestDocumentedRequestExamplesFollowTheDocument: every request example of
// the document is a request the document takes, as JSON and, where the
// route takes forms, form-encoded: the examples are what pages send.
func TestDocumentedRequestExamplesFollowTheDocument(t *testing.T) {
	ct, err := LoadContract()
	if err != nil {
		t.Fatal(err)
	}
	paths := ct.doc.Paths.Map()
	keys := make([]string, 0, len(paths))
	for p := range paths {
		keys = append(keys, p)
	}
	sort.Strings(keys)
	checked := 0
	for _, path := range keys {
		for method, op := range paths[path].Operations() {
			if op.RequestBody == nil || op.RequestBody.Value == nil {
				continue
			}
			target := "http://ihome.test" + exampleTarget(path, op)
			content := op.RequestBody.Value.Content
			for name, value := range examplesOf(content.Get("application/json")) {
				raw, _ := json.Marshal(value)
				req, _ := http.NewRequest(method, target, strings.NewReader(string(raw)))
				req.Header.Set("Content-Type", "application/json")
				if x := ct.CheckRequest(req, false); x == nil || len(x.refused) > 0 {
					t.Errorf("%s %s: JSON example %s is refused: %v", method, path, name, x)
				}
				checked++
				if content.Get("application/x-www-form-urlencoded") == nil {
					continue
				}
				req, _ = http.NewRequest(method, target, strings.NewReader(formOf(t, value).Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				if x := ct.CheckRequest(req, false); x == nil || len(x.refused) > 0 {
					t.Errorf("%s %s: example %s as a form is refused: %v", method, path, name, x.refused)
				}
				checked++
			}
		}
	}
	if checked < 20 {
		t.Fatalf("only %d request examples checked", checked)
	}
}

// exampleTarget is path with its parameters' examples filled in.
func exampleTarget(path string, op *openapi3.Operation) string {
	for _, p := range op.Parameters {
		if p.Value != nil && p.Value.In == openapi3.ParameterInPath {
			path = strings.ReplaceAll(path, "{"+p.Value.Name+"}", fmt.Sprint(p.Value.Example))
		}
	}
	return "/api/v1.0" + path
}

func examplesOf(mt *openapi3.MediaType) map[string]any {
	out := map[string]any{}
	if mt == nil {
		return out
	}
	if mt.Example != nil {
		out["example"] = mt.Example
	}
	for name, ex := range mt.Examples {
		if ex.Value != nil {
			out[name] = ex.Value.Value
		}
	}
	return out
}

// formOf encodes a JSON example as a form: lists as repeated fields.
func formOf(t *testing.T, v any) url.Values {
	t.Helper()
	obj, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("example %v is not an object", v)
	}
	form := url.Values{}
	for k, val := range obj {
		switch x := val.(type) {
		case []any:
			for _, it := range x {
				form.Add(k, fmt.Sprint(it))
			}
		case nil:
		default:
			form.Set(k, fmt.Sprint(x))
		}
	}
	return form
}
