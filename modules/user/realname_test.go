package user_test

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/apptest"
	"ihome/modules/user"
)

// idCardWithX returns a valid fake id card number whose check character is X.
func idCardWithX(t *testing.T) string {
	for n := 0; n < 1000; n++ {
		if c := apptest.FakeIDCard(n); strings.HasSuffix(c, "X") {
			return c
		}
	}
	t.Fatal("no fake id card ends in X")
	return ""
}

func realName(t *testing.T, c *apptest.Client) string {
	t.Helper()
	return string(c.Get("/api/v1.0/user/auth").OK(t).Data)
}

func TestRealNameParams(t *testing.T) {
	app := apptest.New(t)
	_, c := app.NewUser(1)
	card := apptest.FakeIDCard(1)
	for field, bodies := range map[string][]map[string]any{
		"real_name": {
			{"id_card": card},
			{"real_name": "", "id_card": card},
			{"real_name": " 张 ", "id_card": card}, // one character once trimmed
			{"real_name": strings.Repeat("张", 31), "id_card": card},
			{"real_name": "张\x00三", "id_card": card},
			{"real_name": true, "id_card": card},
		},
		"id_card": {
			{"real_name": "张三"},
			{"real_name": "张三", "id_card": ""},
			{"real_name": "张三", "id_card": card[:17]},
			{"real_name": "张三", "id_card": card[:17] + "0"},      // wrong check digit (FakeIDCard(1) ends in 5)
			{"real_name": "张三", "id_card": "110101199002300014"}, // Feb 30
			{"real_name": "张三", "id_card": "990101199001010019"}, // no such province
			{"real_name": "张三", "id_card": "1101011990010100ab"},
		},
	} {
		for _, body := range bodies {
			expectParam(t, c.Post("/api/v1.0/user/auth", body), field)
		}
	}
	if got := realName(t, c); got != `{"real_name":"","id_card":""}` {
		t.Fatalf("refused input was stored: %s", got)
	}
}

func TestRealName(t *testing.T) {
	app := apptest.New(t)
	u1, c1 := app.NewUser(1)
	u2, c2 := app.NewUser(2)
	card := idCardWithX(t)
	lower := strings.ToLower(card)

	if got := realName(t, c1); got != `{"real_name":"","id_card":""}` {
		t.Fatalf("unverified: %s", got)
	}

	r := c1.Post("/api/v1.0/user/auth", map[string]any{"real_name": "  张三  ", "id_card": " " + lower + " "}).OK(t)
	if r.Errmsg != "OK" || r.Data != nil {
		t.Fatalf("got %s", r.Body)
	}
	if got, want := realName(t, c1), `{"real_name":"张三","id_card":"`+card+`"}`; got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	u1, _ = app.FindRecordById("users", u1.Id)
	if !user.IsVerified(u1) || u1.GetString("id_card") != card {
		t.Fatalf("stored %q", u1.GetString("id_card"))
	}

	t.Run("set once", func(t *testing.T) {
		expectExists(t, c1.Post("/api/v1.0/user/auth", map[string]any{"real_name": "李四", "id_card": apptest.FakeIDCard(7)}), "已完成实名认证")
		expectExists(t, c1.Post("/api/v1.0/user/auth", map[string]any{"real_name": "张三", "id_card": card}), "已完成实名认证")
		if got := realName(t, c1); !strings.Contains(got, "张三") {
			t.Fatalf("changed: %s", got)
		}
	})

	t.Run("id card of another account", func(t *testing.T) {
		expectExists(t, c2.Post("/api/v1.0/user/auth", map[string]any{"real_name": "王五", "id_card": lower}), "身份证号已被使用")
		if got := realName(t, c2); got != `{"real_name":"","id_card":""}` {
			t.Fatalf("stored: %s", got)
		}
	})

	t.Run("the unique index refuses a racing verification", func(t *testing.T) {
		_, c3 := app.NewUser(3)
		racing := apptest.FakeIDCard(9)
		// Just before user 3's save, user 2 is verified with the same card.
		// (Both saves share user 3's transaction, so user 2's is rolled back
		// with it: only the answer to user 3 is checked.)
		var fired atomic.Bool
		app.OnRecordUpdate("users").BindFunc(func(e *core.RecordEvent) error {
			if e.Record.GetString("id_card") == racing && e.Record.Id != u2.Id && fired.CompareAndSwap(false, true) {
				other, err := e.App.FindRecordById("users", u2.Id)
				if err != nil {
					return err
				}
				other.Set("real_name", "王五")
				other.Set("id_card", racing)
				if err := e.App.Save(other); err != nil {
					return err
				}
			}
			return e.Next()
		})
		expectExists(t, c3.Post("/api/v1.0/user/auth", map[string]any{"real_name": "赵六", "id_card": racing}), "身份证号已被使用")
		if !fired.Load() || realName(t, c3) != `{"real_name":"","id_card":""}` {
			t.Fatalf("race not staged: fired %v, %s", fired.Load(), realName(t, c3))
		}
	})

	t.Run("nobody else can read it", func(t *testing.T) {
		secrets := []string{card, lower, "张三", apptest.Mobile(1)}
		for who, c := range map[string]*apptest.Client{"guest": app.Client(), "another user": c2} {
			for _, path := range []string{
				"/api/collections/users/records",
				"/api/collections/users/records?fields=*,real_name,id_card,mobile",
				"/api/collections/users/records?filter=" + "id_card%3D'" + card + "'",
				"/api/collections/users/records/" + u1.Id,
				"/api/collections/users/records/" + u1.Id + "?fields=real_name,id_card",
			} {
				r := c.Get(path)
				if r.Status == http.StatusOK {
					t.Errorf("%s: GET %s answered 200: %s", who, path, r.Body)
				}
				if s := contains(r.Body, secrets...); s != "" {
					t.Errorf("%s: GET %s leaks %q", who, path, s)
				}
			}
		}
	})
}

// TestSlowUploadKeepsRealName: an avatar upload whose body arrives slowly
// must not write back the user as it was before a verification made
// meanwhile.
func TestSlowUploadKeepsRealName(t *testing.T) {
	app := apptest.New(t)
	_, c := app.NewUser(1)
	body, ctype := apptest.Multipart(t, "avatar", "a.png", "image/png", apptest.PNG(t, 32, 32))
	slow := &heldBody{data: body, reading: make(chan struct{}), release: make(chan struct{})}
	req, _ := http.NewRequest(http.MethodPost, app.Server.URL+"/api/v1.0/user/avatar", slow)
	req.ContentLength = int64(len(body))
	// the server asks for the body when the handler first reads it: the
	// session's user is loaded by then
	req.Header.Set("Expect", "100-continue")
	done := make(chan *apptest.Response, 1)
	go func() { done <- c.Send(req, ctype) }()
	select {
	case <-slow.reading:
	case r := <-done:
		t.Fatalf("the upload ended before it read its body: HTTP %d %s", r.Status, r.Body)
	}
	c.Post("/api/v1.0/user/auth", map[string]any{"real_name": "张三", "id_card": apptest.FakeIDCard(1)}).OK(t)
	close(slow.release)
	(<-done).OK(t)
	if got := string(c.Get("/api/v1.0/user/auth").OK(t).Data); !strings.Contains(got, apptest.FakeIDCard(1)) {
		t.Fatalf("the upload undid the verification: %s", got)
	}
}

// heldBody is a request body whose first read announces itself on reading
// and then waits for release.
type heldBody struct {
	data             []byte
	once             sync.Once
	reading, release chan struct{}
}

func (b *heldBody) Read(p []byte) (int, error) {
	b.once.Do(func() {
		close(b.reading)
		<-b.release
	})
	if len(b.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p, b.data)
	b.data = b.data[n:]
	return n, nil
}
