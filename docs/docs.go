// Package docs holds the documents that ship inside the binary: the
// OpenAPI 3.1 description of the /api/v1.0 routes (openapi.yaml), served by
// internal/openapi and checked against every API test's traffic by
// internal/apptest.
package docs

import _ "embed"

//go:embed openapi.yaml
var openapiYAML []byte

// OpenAPI returns the OpenAPI document, in YAML, as written in
// docs/openapi.yaml. The slice is a copy: callers may keep or change it.
func OpenAPI() []byte {
	return append([]byte(nil), openapiYAML...)
}
