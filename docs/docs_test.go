package docs_test

import (
	"context"
	"net/http"
	"regexp"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"ihome/docs"
)

// TestOpenAPIDocument lints docs/openapi.yaml: a valid OpenAPI 3.1
// document by kin-openapi's own validation (examples checked against their
// schemas), and every operation written the way this API documents its
// routes: an id, bilingual summary and description, the shared transport
// failures, security stated.
func TestOpenAPIDocument(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(docs.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi %q, want 3.1.0", doc.OpenAPI)
	}
	if err := doc.Validate(context.Background(), openapi3.EnableMultiError()); err != nil {
		t.Fatal(err)
	}
	han := regexp.MustCompile(`\p{Han}`)
	latin := regexp.MustCompile(`[A-Za-z]{3}`)
	bilingual := func(s string) bool { return han.MatchString(s) && latin.MatchString(s) }
	ids := map[string]string{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			where := method + " " + path
			if op.OperationID == "" || ids[op.OperationID] != "" {
				t.Errorf("%s: operationId %q missing or used by %s", where, op.OperationID, ids[op.OperationID])
			}
			ids[op.OperationID] = where
			if !bilingual(op.Summary) || !bilingual(op.Description) {
				t.Errorf("%s: summary and description are in Chinese and English", where)
			}
			if len(op.Tags) != 1 {
				t.Errorf("%s: one tag", where)
			}
			if op.Security == nil {
				t.Errorf("%s: no security stated", where)
			}
			for _, status := range []int{http.StatusOK, http.StatusTooManyRequests, http.StatusInternalServerError} {
				if op.Responses.Status(status) == nil {
					t.Errorf("%s: no %d answer", where, status)
				}
			}
			if method != http.MethodGet && op.Responses.Status(http.StatusRequestEntityTooLarge) == nil {
				t.Errorf("%s: a route that reads a body answers 413 past its cap", where)
			}
			for _, p := range op.Parameters {
				if p.Value != nil && p.Value.In == openapi3.ParameterInQuery && p.Value.Description == "" && p.Ref == "" && p.Value.Name != "role" && p.Value.Name != "token" && p.Value.Name != "out_trade_no" {
					t.Errorf("%s: query parameter %s has no description", where, p.Value.Name)
				}
			}
		}
	}
	if len(ids) < 40 {
		t.Fatalf("only %d operations", len(ids))
	}
}

// TestOpenAPICopy: OpenAPI hands out a copy of the embedded document.
func TestOpenAPICopy(t *testing.T) {
	a := docs.OpenAPI()
	a[0] = 'X'
	if docs.OpenAPI()[0] == 'X' {
		t.Fatal("OpenAPI returned the embedded bytes")
	}
}
