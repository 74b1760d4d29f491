package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"ihome/docs"
	"ihome/internal/api"
)

// Contract checks the traffic of the test clients against the OpenAPI
// document, docs/openapi.yaml, with kin-openapi's openapi3filter: every
// answer a client gets from /api/v1.0 (an undocumented route, field, type,
// status or errno fails the test that produced it), and every request it
// sends: one the document refuses must be refused by the server too,
// unless the client marks it Malformed (Exchange.CheckResponse).
type Contract struct {
	doc  *openapi3.T
	mux  *http.ServeMux // documented "METHOD /api/v1.0/path" → *routers.Route
	test *http.ServeMux // routes a test declared itself (Setup.Routes)
	opts *openapi3filter.Options

	// unknown answers a request no documented route takes: its answer
	// must be one of the shared transport failures (404, 405, …).
	unknown *routers.Route
	// envelope is the shape every JSON answer has (test routes' answers).
	envelope *openapi3.Schema
}

// LoadContract parses the embedded document. It does not validate the
// document itself: TestOpenAPIDocument (docs) does.
func LoadContract() (*Contract, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(docs.OpenAPI())
	if err != nil {
		return nil, fmt.Errorf("docs/openapi.yaml: %w", err)
	}
	c := &Contract{
		doc:  doc,
		mux:  http.NewServeMux(),
		test: http.NewServeMux(),
		opts: &openapi3filter.Options{
			AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc, // the server answers 4101/403 itself
			IncludeResponseStatus: true,                                  // an undocumented status fails
			SkipSettingDefaults:   true,
		},
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			route := &routers.Route{Spec: doc, Server: doc.Servers[0], Path: path, PathItem: item, Method: method, Operation: op}
			c.mux.Handle(Pattern(method, path), routeHandler(route))
		}
	}
	unknown := openapi3.NewResponses()
	for status, name := range map[int]string{
		http.StatusForbidden: "Forbidden", http.StatusNotFound: "NotFound", http.StatusMethodNotAllowed: "MethodNotAllowed",
		http.StatusRequestEntityTooLarge: "PayloadTooLarge", http.StatusTooManyRequests: "TooManyRequests",
		http.StatusInternalServerError: "ServerError",
	} {
		r := doc.Components.Responses[name]
		if r == nil {
			return nil, fmt.Errorf("docs/openapi.yaml: no components.responses.%s", name)
		}
		unknown.Set(fmt.Sprint(status), r)
	}
	c.unknown = &routers.Route{Spec: doc, Server: doc.Servers[0], Path: "(unknown)", Method: "",
		Operation: &openapi3.Operation{Responses: unknown}}
	env := doc.Components.Schemas["Envelope"]
	if env == nil || env.Value == nil {
		return nil, fmt.Errorf("docs/openapi.yaml: no components.schemas.Envelope")
	}
	c.envelope = env.Value
	return c, nil
}

// Document is the parsed document.
func (c *Contract) Document() *openapi3.T { return c.doc }

// Pattern is the net/http pattern of a route of path (relative to the API
// prefix, as in the route table and the document) for method. A path with
// a trailing slash matches itself only, as the router does.
func Pattern(method, path string) string {
	p := api.Prefix + path
	if strings.HasSuffix(p, "/") {
		p += "{$}"
	}
	return method + " " + p
}

// declareTestRoutes adds routes a test declared (Setup.Routes): they are
// not in the document, so their answers are only checked to be envelopes.
func (c *Contract) declareTestRoutes(routes []api.Route) {
	for _, r := range routes {
		c.test.Handle(Pattern(r.Method, r.Path), routeHandler(nil))
	}
}

// found is what routeHandler records for a request: the route (nil for a
// test route) and its path parameters.
type found struct {
	ok     bool
	route  *routers.Route
	params map[string]string
}

type foundKey struct{}

func routeHandler(route *routers.Route) http.Handler {
	return http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		f := r.Context().Value(foundKey{}).(*found)
		f.ok, f.route, f.params = true, route, map[string]string{}
		if route != nil {
			for _, p := range route.Operation.Parameters {
				if p.Value != nil && p.Value.In == openapi3.ParameterInPath {
					f.params[p.Value.Name] = r.PathValue(p.Value.Name)
				}
			}
			for _, p := range route.PathItem.Parameters {
				if p.Value != nil && p.Value.In == openapi3.ParameterInPath {
					f.params[p.Value.Name] = r.PathValue(p.Value.Name)
				}
			}
		}
	})
}

// lookup finds the route of req in mux, as net/http's ServeMux (the
// server's router) would: ok is false when none takes it.
func lookup(mux *http.ServeMux, req *http.Request) found {
	var f found
	probe := &http.Request{Method: req.Method, URL: req.URL, Host: req.Host, Header: http.Header{}}
	mux.ServeHTTP(discard{}, probe.WithContext(context.WithValue(context.Background(), foundKey{}, &f)))
	return f
}

// discard is a ResponseWriter for ServeMux's own answers (redirects, 404s).
type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(b []byte) (int, error) { return len(b), nil }
func (discard) WriteHeader(int)             {}

// CheckRequest checks req against the document before it is sent (its
// body read through GetBody, so req is untouched; a body that cannot be
// replayed is not checked) and returns the exchange that CheckResponse
// completes. A request outside /api/v1.0 is not checked (nil).
func (c *Contract) CheckRequest(req *http.Request, malformed bool) *Exchange {
	if !underPrefix(req.URL.Path) {
		return nil
	}
	x := &Exchange{c: c, malformed: malformed, method: req.Method, target: req.URL.RequestURI()}
	if f := lookup(c.mux, req); f.ok {
		x.route, x.params = f.route, f.params
	} else if f := lookup(c.test, req); f.ok {
		x.testRoute = true
		return x
	} else {
		x.route = c.unknown
		return x
	}
	if malformed {
		return x
	}
	in, err := c.requestInput(req, x)
	if err != nil {
		x.refused = []string{err.Error()}
	} else if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		x.refused = []string{"request: " + err.Error()}
	}
	return x
}

// requestInput is req for openapi3filter, with a copy of its body.
func (c *Contract) requestInput(req *http.Request, x *Exchange) (*openapi3filter.RequestValidationInput, error) {
	opts := *c.opts
	cp := req.Clone(context.Background())
	switch {
	case req.Body == nil || req.Body == http.NoBody:
		cp.Body = http.NoBody
	case req.GetBody != nil:
		body, err := req.GetBody()
		if err != nil {
			return nil, fmt.Errorf("copy the request body: %w", err)
		}
		raw, err := io.ReadAll(body)
		if err != nil {
			return nil, fmt.Errorf("copy the request body: %w", err)
		}
		cp.Body = io.NopCloser(bytes.NewReader(raw))
	default: // a stream (a test's blocking reader, say): not read here
		cp.Body = http.NoBody
		opts.ExcludeRequestBody = true
	}
	return &openapi3filter.RequestValidationInput{Request: cp, PathParams: x.params, Route: x.route, Options: &opts}, nil
}

// Exchange is a request checked by CheckRequest, waiting for its answer.
type Exchange struct {
	c              *Contract
	malformed      bool
	method, target string
	route          *routers.Route // c.unknown when no documented route takes it
	params         map[string]string
	testRoute      bool
	refused        []string // why the document refuses the request
}

// CheckResponse checks the answer to x's request and returns what breaks
// the document:
//   - the answer must be one the route documents: its status, its content
//     type, and a body that matches the schema (objects there admit no
//     undocumented field, errno only the codes the route lists);
//   - a request to no documented route must get one of the shared
//     transport failures (404, 405, 403, 413, 429, 500);
//   - a request the document refuses (a missing or malformed field, an
//     undocumented field, a value out of range) must be refused by the
//     server too, with an error answer: a success means the server takes
//     what the document says it does not. A test that sends such a
//     request on purpose uses Client.Malformed, which sends it unchecked.
func (x *Exchange) CheckResponse(status int, header http.Header, body []byte) (problems []string) {
	if x == nil {
		return nil
	}
	if x.testRoute {
		return x.c.checkEnvelope(header, body)
	}
	if x.route == x.c.unknown && status < 300 {
		return []string{fmt.Sprintf("no route of docs/openapi.yaml takes %s %s, yet it answered HTTP %d", x.method, x.target, status)}
	}
	req, _ := http.NewRequest(x.method, x.target, nil)
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: x.params, Route: x.route, Options: x.c.opts},
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                x.c.opts,
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		problems = append(problems, fmt.Sprintf("answer (HTTP %d, route %s): %v", status, x.route.Path, err))
	}
	if len(x.refused) > 0 && accepted(status, header, body) {
		problems = append(problems, "the server accepted a request the document refuses (send it with Client.Malformed if that is meant):")
		problems = append(problems, x.refused...)
	}
	return problems
}

// accepted tells a success from a refusal: a 2xx answer that is not an
// error envelope.
func accepted(status int, header http.Header, body []byte) bool {
	if status < 200 || status > 299 {
		return false
	}
	if !strings.HasPrefix(header.Get("Content-Type"), "application/json") {
		return true
	}
	var env struct {
		Errno string `json:"errno"`
	}
	return json.Unmarshal(body, &env) != nil || env.Errno == "0" || env.Errno == ""
}

// checkEnvelope checks that a JSON answer is an envelope (test routes).
func (c *Contract) checkEnvelope(header http.Header, body []byte) []string {
	if !strings.HasPrefix(header.Get("Content-Type"), "application/json") {
		return nil
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return []string{"answer: not JSON: " + err.Error()}
	}
	if err := c.envelope.VisitJSON(v, openapi3.EnableJSONSchema2020()); err != nil {
		return []string{"answer: not an envelope: " + err.Error()}
	}
	return nil
}

func underPrefix(p string) bool { return p == api.Prefix || strings.HasPrefix(p, api.Prefix+"/") }

// shorten drops the schemas kin quotes in its errors (they are in the
// document) and cuts the quoted values short.
func shorten(msg string) string {
	var out []string
	skip, value := false, 0
	for _, line := range strings.Split(msg, "\n") {
		switch strings.TrimSpace(line) {
		case "Schema:":
			skip = true
			continue
		case "Value:":
			skip, value = false, 1
			out = append(out, line)
			continue
		case "":
			value = 0
		}
		if skip {
			continue
		}
		if value > 0 {
			if value++; value > 8 {
				continue
			}
			if len(line) > 160 {
				line = strings.ToValidUTF8(line[:160], "") + " …"
			}
		}
		out = append(out, line)
	}
	if len(out) > maxReportLines {
		out = append(out[:maxReportLines], fmt.Sprintf("… (%d more lines)", len(out)-maxReportLines))
	}
	return strings.Join(out, "\n")
}

// maxReportLines bounds one report (kin repeats a breach for each item of a list).
const maxReportLines = 30
