package user_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ihome/internal/apptest"
)

// invisible are texts that look like nothing, or like something they are
// not, and that API.md §1.7 refuses in every free-text field: format
// characters (zero-width, bidi controls, BOM, soft hyphen, word joiner),
// line and paragraph separators, controls, Hangul fillers (default-ignorable
// like the format characters, so refused anywhere), and texts made only of
// blanks.
var invisible = map[string]string{
	"zero-width space":         "李\u200b四",
	"zero-width joiner":        "李\u200d四",
	"right-to-left override":   "李\u202e四",
	"right-to-left isolate":    "\u2067李四",
	"byte order mark":          "\ufeff李四",
	"soft hyphen":              "李\u00ad四",
	"word joiner":              "李\u2060四",
	"line separator":           "李\u2028四",
	"paragraph separator":      "李\u2029四",
	"NUL":                      "李\x00四",
	"newline":                  "李\n四",
	"Hangul filler":            "\u3164",
	"Hangul filler inside":     "李\u3164四",
	"Hangul choseong filler":   "\u115f",
	"Hangul jungseong filler":  "\u1160",
	"halfwidth Hangul filler":  "\uffa0",
	"braille blank":            "\u2800",
	"fillers and white space":  "\u3164 \u2800\u3000\u3164",
	"two zero-width spaces":    "\u200b\u200b",
	"variation selector alone": "\ufe0f",
}

// TestRenameTextRule: API.md §1.7 on names (issue 11, items 6 and 7).
func TestRenameTextRule(t *testing.T) {
	app := apptest.New(t)
	_, c1 := app.NewUser(1)
	_, c2 := app.NewUser(2)
	c1.Post("/api/v1.0/user/name", map[string]any{"name": "李四"}).OK(t)

	for kind, name := range invisible {
		t.Run(kind, func(t *testing.T) {
			expectParam(t, c2.Post("/api/v1.0/user/name", map[string]any{"name": name}), "name")
		})
	}
	t.Run("not a string", func(t *testing.T) {
		for _, v := range []any{12345, 1.5, true, []any{"李四"}, map[string]any{"a": "b"}} {
			expectParam(t, c2.Post("/api/v1.0/user/name", map[string]any{"name": v}), "name")
		}
		// a form field is text, digits or not
		c2.Post("/api/v1.0/user/name", url.Values{"name": {"12345"}}).OK(t)
	})
	if n := app.Count("SELECT count(*) FROM users WHERE name != mobile AND name != '李四' AND name != '12345'"); n != 0 {
		t.Fatalf("%d refused names were stored", n)
	}

	t.Run("uniqueness on the normalised form", func(t *testing.T) {
		// full-width spaces and trailing filler are trimmed: the same name
		expectExists(t, c2.Post("/api/v1.0/user/name", map[string]any{"name": "\u3000李四\u3000"}), "用户名已存在")
		expectExists(t, c2.Post("/api/v1.0/user/name", map[string]any{"name": "李四\u2800"}), "用户名已存在")
		// é decomposed (e + combining acute) is é composed
		c1.Post("/api/v1.0/user/name", map[string]any{"name": "José"}).OK(t)
		expectExists(t, c2.Post("/api/v1.0/user/name", map[string]any{"name": "Jose\u0301"}), "用户名已存在")
		c2.Post("/api/v1.0/user/name", map[string]any{"name": "Rene\u0301"}).OK(t)
		if n := app.Count("SELECT count(*) FROM users WHERE name = 'René'"); n != 1 {
			t.Fatal("the name was not stored in NFC")
		}
	})

	t.Run("length counts characters after normalisation", func(t *testing.T) {
		// 32 characters, 64 code points before NFC
		c2.Post("/api/v1.0/user/name", map[string]any{"name": strings.Repeat("e\u0301", 32)}).OK(t)
		expectParam(t, c2.Post("/api/v1.0/user/name", map[string]any{"name": strings.Repeat("e\u0301", 33)}), "name")
	})

	t.Run("visible text stays", func(t *testing.T) {
		// an emoji with its variation selector, Hangul, a braille blank inside
		for _, name := range []string{"❤️小屋", "김철수", "李\u2800四"} {
			c2.Post("/api/v1.0/user/name", map[string]any{"name": name}).OK(t)
		}
	})
}

// TestRealNameTextRule: API.md §1.7 on real names (issue 11, items 6 and 7).
func TestRealNameTextRule(t *testing.T) {
	app := apptest.New(t)
	_, c := app.NewUser(1)
	card := apptest.FakeIDCard(1)
	for kind, name := range invisible {
		t.Run(kind, func(t *testing.T) {
			expectParam(t, c.Post("/api/v1.0/user/auth", map[string]any{"real_name": name, "id_card": card}), "real_name")
		})
	}
	for _, v := range []any{12345, true, []any{"张三"}} {
		expectParam(t, c.Post("/api/v1.0/user/auth", map[string]any{"real_name": v, "id_card": card}), "real_name")
	}
	if got := realName(t, c); got != `{"real_name":"","id_card":""}` {
		t.Fatalf("verified with a refused real name: %s", got)
	}
	// two characters once composed
	c.Post("/api/v1.0/user/auth", map[string]any{"real_name": "\u3000Jo\u0301\u3000", "id_card": card}).OK(t)
	if got := realName(t, c); got != `{"real_name":"Jó","id_card":"`+card+`"}` {
		t.Fatalf("stored %s", got)
	}
}

// TestStaffRenameTextRule: a name written by staff in the admin UI obeys
// the same rule, so an invisible look-alike cannot come in that way either.
func TestStaffRenameTextRule(t *testing.T) {
	app := apptest.New(t)
	_, c1 := app.NewUser(1)
	u2, c2 := app.NewUser(2)
	c1.Post("/api/v1.0/user/name", map[string]any{"name": "李四"}).OK(t)

	_, staff := app.NewStaff()
	patch := func(body map[string]any) *apptest.Response {
		return staff.Do(http.MethodPatch, "/api/collections/users/records/"+u2.Id, body)
	}

	for _, name := range []string{"李\u200b四", "\u3164", "李\u202e四"} {
		if r := patch(map[string]any{"name": name}); r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"name"`) {
			t.Fatalf("staff rename to %q: HTTP %d %s", name, r.Status, r.Body)
		}
	}
	// normalised, then the unique index sees the look-alike
	if r := patch(map[string]any{"name": "\u3000李四 "}); r.Status != http.StatusBadRequest {
		t.Fatalf("staff rename to a look-alike of a taken name: HTTP %d %s", r.Status, r.Body)
	}
	if r := patch(map[string]any{"name": " Rene\u0301\u3000"}); r.Status != http.StatusOK {
		t.Fatalf("staff rename: HTTP %d %s", r.Status, r.Body)
	}
	var p struct {
		Name string `json:"name"`
	}
	c2.Get("/api/v1.0/user").OK(t).Decode(t, &p)
	if p.Name != "René" {
		t.Fatalf("name %q, want the NFC form, trimmed", p.Name)
	}
	// another field of a user whose name predates the rule can still be edited
	if _, err := app.DB().NewQuery("UPDATE users SET name = 'old\u200bname' WHERE id = {:id}").Bind(map[string]any{"id": u2.Id}).Execute(); err != nil {
		t.Fatal(err)
	}
	if r := patch(map[string]any{"real_name": "张三"}); r.Status != http.StatusOK {
		t.Fatalf("edit of another field: HTTP %d %s", r.Status, r.Body)
	}
}
