package openapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v4"

	"ihome/docs"
	"ihome/internal/apptest"
	"ihome/internal/openapi"
	"ihome/modules"
	"ihome/modules/legacy"
	"ihome/modules/payment"
)

// TestRouteTableMatchesDocument: docs/openapi.yaml lists exactly the
// routes the modules declare (api.Routes), with the fake cashier's routes
// that exist only with --payment fake; and each route's document agrees
// with its declaration: a login route answers 4101 and takes no
// anonymous caller, an unsafe route documents the CSRF refusal, the
// provider's callback needs no credential.
func TestRouteTableMatchesDocument(t *testing.T) {
	declared := map[string]apiRoute{}
	for _, app := range []*apptest.App{
		apptest.New(t),
		apptest.New(t, apptest.WithConfig(func(c *modules.Config) { c.Payment.Provider = payment.ProviderFake })),
	} {
		for _, r := range app.API.Routes() {
			declared[r.Method+" "+r.Path] = apiRoute{login: r.Login, callback: r.Callback}
		}
	}
	doc := apptest.New(t).Contract.Document()
	documented := map[string]*openapi3.Operation{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			documented[method+" "+path] = op
		}
	}
	for _, k := range sortedKeys(declared) {
		if documented[k] == nil {
			t.Errorf("%s is declared (api.Routes) but not in docs/openapi.yaml", k)
		}
	}
	for _, k := range sortedKeys(documented) {
		r, ok := declared[k]
		if !ok {
			t.Errorf("%s is in docs/openapi.yaml but no module declares it", k)
			continue
		}
		checkDeclaration(t, k, r, documented[k])
	}
}

// TestCompatAliasesMatchDocument: under each --compat profile (API.md
// §9), the document's x-compat lists exactly the routes the profile adds
// or translates: every alias (api.Route.AliasOf) with the operationId of
// the documented operation it calls, every route translated in place
// (api.Route.Translated) and documented in paths; every other route of the
// profile is documented in paths. An x-compat entry no route matches fails.
func TestCompatAliasesMatchDocument(t *testing.T) {
	contract, err := apptest.LoadContract()
	if err != nil {
		t.Fatal(err)
	}
	doc := contract.Document()
	opIDs := map[string]string{} // "METHOD /path" → operationId
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			opIDs[method+" "+path] = op.OperationID
		}
	}
	var compat map[string]struct {
		Description string            `json:"description"`
		Aliases     map[string]string `json:"aliases"`
		Translated  []string          `json:"translated"`
	}
	raw, _ := json.Marshal(doc.Extensions["x-compat"])
	if err := json.Unmarshal(raw, &compat); err != nil {
		t.Fatalf("x-compat: %v", err)
	}
	profiles := []string{legacy.Flask, legacy.GoCourse}
	if got := sortedKeys(compat); !slices.Equal(got, profiles) {
		t.Fatalf("x-compat profiles %v, want %v", got, profiles)
	}
	for _, profile := range profiles {
		p := compat[profile]
		if p.Description == "" {
			t.Errorf("x-compat.%s: no description", profile)
		}
		app := apptest.New(t, apptest.WithConfig(func(c *modules.Config) { c.Legacy = legacy.Config{Profile: profile} }))
		aliases, translated := map[string]bool{}, map[string]bool{}
		for _, r := range app.API.Routes() {
			k := r.Method + " " + r.Path
			switch {
			case r.AliasOf != "":
				aliases[k] = true
				want := opIDs[r.AliasOf]
				if want == "" {
					t.Errorf("%s: alias %s of %s, which is not in paths", profile, k, r.AliasOf)
				} else if got, ok := p.Aliases[k]; !ok {
					t.Errorf("%s: alias %s (of %s) is not in x-compat.%s.aliases", profile, k, r.AliasOf, profile)
				} else if got != want {
					t.Errorf("x-compat.%s.aliases[%s] = %s, but it calls %s (%s)", profile, k, got, r.AliasOf, want)
				}
			case opIDs[k] == "":
				t.Errorf("%s: %s is declared, neither an alias nor in paths", profile, k)
			case r.Translated:
				translated[k] = true
				if !slices.Contains(p.Translated, k) {
					t.Errorf("%s: %s is translated in place, not in x-compat.%s.translated", profile, k, profile)
				}
			}
		}
		for _, k := range sortedKeys(p.Aliases) {
			if !aliases[k] {
				t.Errorf("x-compat.%s.aliases lists %s, which %s does not declare as an alias", profile, k, profile)
			}
		}
		for _, k := range p.Translated {
			if !translated[k] {
				t.Errorf("x-compat.%s.translated lists %s, which %s does not translate (or paths lacks)", profile, k, profile)
			}
		}
	}
}

type apiRoute struct{ login, callback bool }

func checkDeclaration(t *testing.T, route string, r apiRoute, op *openapi3.Operation) {
	t.Helper()
	method, _, _ := strings.Cut(route, " ")
	unsafe := method != http.MethodGet && method != http.MethodHead
	if op.Security == nil {
		t.Errorf("%s: no security in the document", route)
		return
	}
	sec := *op.Security
	switch {
	case r.callback:
		if len(sec) != 0 {
			t.Errorf("%s: a callback needs no credential (security: [])", route)
		}
	case r.login:
		for _, req := range sec {
			if len(req) == 0 {
				t.Errorf("%s: a login route takes no anonymous caller", route)
			}
		}
		if !slices.Contains(errnos(op), "4101") {
			t.Errorf("%s: a login route answers 4101, the document does not list it", route)
		}
	}
	if unsafe && !r.callback {
		if op.Responses.Status(http.StatusForbidden) == nil {
			t.Errorf("%s: an unsafe route answers 403 on a CSRF failure", route)
		}
		for _, req := range sec {
			_, csrf := req["csrfHeader"]
			_, bearer := req["bearer"]
			if !csrf && !bearer {
				t.Errorf("%s: an unsafe route needs X-CSRFToken or Bearer", route)
			}
		}
	}
}

// errnos lists the errno values the 200 JSON answer of op documents.
func errnos(op *openapi3.Operation) []string {
	ok := op.Responses.Status(http.StatusOK)
	if ok == nil || ok.Value == nil || ok.Value.Content.Get("application/json") == nil {
		return nil
	}
	raw, _ := json.Marshal(ok.Value.Content.Get("application/json").Schema)
	var out []string
	for _, part := range strings.Split(string(raw), `"enum":[`)[1:] {
		list, _, _ := strings.Cut(part, "]")
		for _, v := range strings.Split(list, ",") {
			out = append(out, strings.Trim(v, `"`))
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestServedDocument: GET /api/v1.0/openapi.json is the YAML document as
// JSON, a valid OpenAPI 3.1 document.
func TestServedDocument(t *testing.T) {
	app := apptest.New(t)
	r := app.Client().Get("/api/v1.0/openapi.json")
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("HTTP %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	want, err := openapi.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if string(r.Body) != string(want) {
		t.Fatal("the served document is not openapi.JSON()")
	}
	// the same document as the YAML read by a YAML library, key order aside
	var fromYAML, served any
	if err := yaml.Unmarshal(docs.OpenAPI(), &fromYAML); err != nil {
		t.Fatal(err)
	}
	viaJSON, err := json.Marshal(fromYAML)
	if err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal(viaJSON, &fromYAML)
	if err := json.Unmarshal(r.Body, &served); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(served, fromYAML) {
		t.Fatal("openapi.json differs from docs/openapi.yaml")
	}
	// keys in the YAML's order (paths, fields, examples: success first)
	if i, j := strings.Index(string(r.Body), `"/areas"`), strings.Index(string(r.Body), `"/houses/{house_id}"`); i < 0 || j < 0 || i > j {
		t.Error("paths are not in the document's order")
	}
	doc, err := openapi3.NewLoader().LoadFromData(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !doc.IsOpenAPI31OrLater() || doc.Paths.Value("/houses/{house_id}") == nil {
		t.Fatalf("served document: openapi %s, %d paths", doc.OpenAPI, doc.Paths.Len())
	}
}

// TestDocsPage: /api/docs is a page of this origin only (its CSP allows
// nothing else), with its script and the pinned Swagger UI files; any
// other name under it is 404.
func TestDocsPage(t *testing.T) {
	app := apptest.New(t)
	get := func(path string) (*http.Response, string) {
		t.Helper()
		res, err := http.Get(app.Server.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res, string(body)
	}
	res, page := get(openapi.DocsPath)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("%s: HTTP %d %s", openapi.DocsPath, res.StatusCode, res.Header.Get("Content-Type"))
	}
	csp := res.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'self'") || strings.Contains(csp, "http") {
		t.Fatalf("CSP %q", csp)
	}
	for _, asset := range []string{"/api/docs/swagger-ui.css", "/api/docs/swagger-ui-bundle.js", "/api/docs/init.js"} {
		if !strings.Contains(page, asset) {
			t.Errorf("the page does not load %s", asset)
		}
		res, body := get(asset)
		if res.StatusCode != http.StatusOK || len(body) == 0 {
			t.Errorf("%s: HTTP %d, %d bytes", asset, res.StatusCode, len(body))
		}
	}
	if _, init := get("/api/docs/init.js"); !strings.Contains(init, "/api/v1.0/openapi.json") || !strings.Contains(init, "validatorUrl: null") {
		t.Errorf("init.js does not render the served document offline:\n%s", init)
	}
	for _, missing := range []string{"/api/docs/nope.js", "/api/docs/openapi_test.go", "/api/docs/..%2fopenapi.go"} {
		if res, _ := get(missing); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: HTTP %d, want 404", missing, res.StatusCode)
		}
	}
}

// TestVendoredSwaggerUI: the files under swagger-ui/ are those of the npm
// package swagger-ui-dist@5.35.0 (package/<name> in its tarball), byte
// for byte: an upgrade changes SwaggerUIVersion and these sums together.
func TestVendoredSwaggerUI(t *testing.T) {
	if openapi.SwaggerUIVersion != "5.35.0" {
		t.Fatalf("SwaggerUIVersion %s: update the sums below with the files", openapi.SwaggerUIVersion)
	}
	app := apptest.New(t)
	for name, sum := range map[string]string{
		"swagger-ui-bundle.js":             "e6a898692f2d768e807c3ba4626068a69a2c5dd960dd6c76f3e4d3a3de180af2",
		"swagger-ui.css":                   "5ed08757e53da3e026d6cbecc61fe5d43585c9560b302d534ad56692519a273d",
		"LICENSE":                          "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30",
		"NOTICE":                           "0d20d1adef18aee3f40dd258172155521ce702ac445cb5f7b7d60ed32dad2fb2",
		"swagger-ui-bundle.js.LICENSE.txt": "37eb6e7e59aed57b2c1acf076574b818ea07b74265717e0bd67b59e0baf9abbb",
	} {
		res, err := http.Get(app.Server.URL + openapi.DocsPath + "/" + name)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		got := sha256.Sum256(body)
		if hex.EncodeToString(got[:]) != sum {
			t.Errorf("%s: sha256 %x, want %s (swagger-ui-dist@%s)", name, got, sum, openapi.SwaggerUIVersion)
		}
	}
}
