// Package openapi serves the OpenAPI 3.1 description of the API (the
// embedded docs/openapi.yaml): as JSON at GET /api/v1.0/openapi.json, and
// rendered at /api/docs by a pinned copy of Swagger UI embedded in the
// binary, so the page works offline and loads nothing from another origin.
package openapi

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"go.yaml.in/yaml/v4"

	"ihome/docs"
	"ihome/internal/api"
)

// DocsPath is where the rendered reference lives (outside the API prefix:
// it is a page, not an envelope).
const DocsPath = "/api/docs"

// SwaggerUIVersion is the swagger-ui-dist release vendored in swagger-ui/
// (npm: swagger-ui-dist@5.35.0; files checked by TestVendoredSwaggerUI).
const SwaggerUIVersion = "5.35.0"

// ui holds the page, its script and the vendored Swagger UI files.
//
//go:embed swagger-ui
var ui embed.FS

// docsCSP keeps the docs page to this origin: a CDN or analytics call
// would fail in the browser, not silently work online only.
const docsCSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"

// JSON returns the OpenAPI document (docs/openapi.yaml) converted to JSON,
// keys in the order the YAML gives them (readers and Swagger UI show them
// in that order: a route's success example first, fields as written).
func JSON() ([]byte, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(docs.OpenAPI(), &root); err != nil {
		return nil, fmt.Errorf("openapi: docs/openapi.yaml: %w", err)
	}
	var out bytes.Buffer
	if err := writeJSON(&out, &root, 0); err != nil {
		return nil, fmt.Errorf("openapi: docs/openapi.yaml as JSON: %w", err)
	}
	return out.Bytes(), nil
}

// maxDepth bounds the nesting writeJSON follows (aliases could loop).
const maxDepth = 100

// writeJSON writes the YAML node n as JSON: mappings as objects in
// document order, aliases resolved, scalars as YAML types them.
func writeJSON(w *bytes.Buffer, n *yaml.Node, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("line %d: nested deeper than %d", n.Line, maxDepth)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) != 1 {
			return fmt.Errorf("want one document, got %d", len(n.Content))
		}
		return writeJSON(w, n.Content[0], depth+1)
	case yaml.AliasNode:
		return writeJSON(w, n.Alias, depth+1)
	case yaml.MappingNode:
		w.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			if i > 0 {
				w.WriteByte(',')
			}
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: a key that is not a scalar", k.Line)
			}
			key, _ := json.Marshal(k.Value)
			w.Write(key)
			w.WriteByte(':')
			if err := writeJSON(w, n.Content[i+1], depth+1); err != nil {
				return err
			}
		}
		w.WriteByte('}')
	case yaml.SequenceNode:
		w.WriteByte('[')
		for i, item := range n.Content {
			if i > 0 {
				w.WriteByte(',')
			}
			if err := writeJSON(w, item, depth+1); err != nil {
				return err
			}
		}
		w.WriteByte(']')
	case yaml.ScalarNode:
		var v any
		if err := n.Decode(&v); err != nil {
			return fmt.Errorf("line %d: %w", n.Line, err)
		}
		raw, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("line %d: %w", n.Line, err)
		}
		w.Write(raw)
	default:
		return fmt.Errorf("line %d: unexpected YAML node kind %v", n.Line, n.Kind)
	}
	return nil
}

// Register declares GET /api/v1.0/openapi.json on the route table and
// mounts the docs page at /api/docs when the server starts. It fails only
// when the embedded document is not YAML that JSON can express.
func Register(app core.App, a *api.API) error {
	doc, err := JSON()
	if err != nil {
		return err
	}
	a.Public(http.MethodGet, "/openapi.json", func(e *core.RequestEvent) error {
		// the document itself, not an envelope: tools read it as is
		e.Response.Header().Set("Cache-Control", "no-cache")
		return e.Blob(http.StatusOK, "application/json; charset=utf-8", doc)
	})
	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
		Id: "ihome.openapi.docs",
		Func: func(e *core.ServeEvent) error {
			e.Router.GET(DocsPath, serveUI("index.html"))
			e.Router.GET(DocsPath+"/{file}", func(re *core.RequestEvent) error {
				return serveUI(re.Request.PathValue("file"))(re)
			})
			return e.Next()
		},
	})
	return nil
}

// uiType is the content type of a file of the page; ok is false for
// anything else, which is 404.
func uiType(name string) (ct string, ok bool) {
	switch name {
	case "index.html":
		return "text/html; charset=utf-8", true
	case "init.js", "swagger-ui-bundle.js":
		return "text/javascript; charset=utf-8", true
	case "swagger-ui.css":
		return "text/css; charset=utf-8", true
	case "LICENSE", "NOTICE", "swagger-ui-bundle.js.LICENSE.txt":
		return "text/plain; charset=utf-8", true
	}
	return "", false
}

func serveUI(name string) func(*core.RequestEvent) error {
	return func(e *core.RequestEvent) error {
		ct, ok := uiType(name)
		if !ok {
			return e.NotFoundError("", nil)
		}
		body, err := ui.ReadFile("swagger-ui/" + name)
		if err != nil {
			return err
		}
		h := e.Response.Header()
		h.Set("Content-Security-Policy", docsCSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "public, max-age=3600")
		return e.Blob(http.StatusOK, ct, body)
	}
}
