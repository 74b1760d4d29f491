package modules_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"ihome/modules/order"
)

// TestModuleOrder enforces DESIGN.md §2's dependency order where it is
// easiest to break: the write side of houses reaches neither orders nor
// the read side built on both.
func TestModuleOrder(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "ihome/modules/house").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "ihome/modules/order" || dep == "ihome/modules/search" {
			t.Errorf("modules/house depends on %s", dep)
		}
	}
}

// TestOrdersNamedByOrderOnly: outside modules/order (and the migrations,
// which are the schema's history), product code names the orders
// collection and its columns through order's exported names, so a rename
// there cannot break another module silently. Flagged: the literal
// "orders" anywhere, and an orders column name where a column is meant: a
// record accessor's argument (Get…, Set) or a dbx.HashExp key. The same
// words as API parameters (a body's "start_date") or struct tags are the
// API's names, not the table's. Tests are not checked: they fail loudly.
func TestOrdersNamedByOrderOnly(t *testing.T) {
	columns := map[string]bool{}
	for _, f := range []string{order.FieldGuest, order.FieldStartDate, order.FieldEndDate, order.FieldDays,
		order.FieldAmount, order.FieldStatus, order.FieldComment} {
		columns[f] = true // house and price are also houses' names: not counted
	}
	accessors := map[string]bool{"Get": true, "GetString": true, "GetInt": true, "GetBool": true, "GetFloat": true,
		"GetDateTime": true, "GetStringSlice": true, "Set": true}
	fset := token.NewFileSet()
	for _, root := range []string{".", "../internal"} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && filepath.Base(path) == "order" && filepath.Dir(path) == "." {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			file, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			flag := func(lit ast.Expr, want func(string) bool) {
				if b, ok := lit.(*ast.BasicLit); ok && b.Kind == token.STRING {
					if s, err := strconv.Unquote(b.Value); err == nil && want(s) {
						t.Errorf("%s: names orders' %q: use order's exported name", fset.Position(b.Pos()), s)
					}
				}
			}
			isCollection := func(s string) bool { return s == order.Collection }
			ast.Inspect(file, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.ImportSpec, *ast.Field: // import paths, struct tags
					return false
				case *ast.BasicLit:
					flag(n, isCollection)
				case *ast.CallExpr:
					if sel, ok := n.Fun.(*ast.SelectorExpr); ok && accessors[sel.Sel.Name] && len(n.Args) > 0 {
						flag(n.Args[0], func(s string) bool { return columns[s] })
					}
				case *ast.CompositeLit:
					if sel, ok := n.Type.(*ast.SelectorExpr); ok && sel.Sel.Name == "HashExp" {
						for _, el := range n.Elts {
							if kv, ok := el.(*ast.KeyValueExpr); ok {
								flag(kv.Key, func(s string) bool { return columns[s] })
							}
						}
					}
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
