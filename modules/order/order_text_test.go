package order_test

import (
	"net/http"
	"strings"
	"testing"

	"ihome/internal/apptest"
)

// refusedText are texts API.md §1.7 refuses in every free-text field.
var refusedText = map[string]string{
	"right-to-left override": "很好\u202e住再",
	"zero-width space":       "很\u200b好",
	"byte order mark":        "\ufeff很好",
	"soft hyphen":            "很\u00ad好",
	"line separator":         "很好\u2028再来",
	"control":                "很好\x1b[2J",
	"Hangul filler":          "\u3164",
	"braille blank":          "\u2800",
	"fillers and newlines":   "\u3164\n\u2800\r\n\u115f",
	"only white space":       "\u3000\t ",
}

// expectParam fails t unless r is a 4103 that names field.
func expectParam(t *testing.T, r *apptest.Response, field string) {
	t.Helper()
	r.Expect(t, http.StatusOK, "4103")
	if r.Errmsg != "参数错误: "+field {
		t.Fatalf("errmsg %q does not name %s", r.Errmsg, field)
	}
}

// TestRejectReasonTextRule: API.md §1.7 on the landlord's reason (issue 11,
// items 6 and 7).
func TestRejectReasonTextRule(t *testing.T) {
	s := newStage(t, nil)
	s.book(s.guestC, 1, 2).OK(t)
	reject := func(reason any) *apptest.Response {
		return s.landlordC.Put("/api/v1.0/orders", map[string]any{"action": "reject", "order_id": 1, "reason": reason})
	}
	cases := map[string]any{"a number": 12345, "a bool": false, "a list": []any{"x"}, "newline": "房屋\n维修"}
	for kind, v := range refusedText {
		cases[kind] = v
	}
	for kind, v := range cases {
		t.Run(kind, func(t *testing.T) {
			expectParam(t, reject(v), "reason")
		})
	}
	if st := s.status(t, 1); st != "WAIT_ACCEPT" {
		t.Fatalf("status %s after refused rejections", st)
	}
	reject("\u3000房屋维修 ").OK(t)
	if o, _ := s.app.FindRecordById("orders", "1"); o.GetString("comment") != "房屋维修" {
		t.Fatalf("reason stored as %q", o.GetString("comment"))
	}
}

// TestReviewTextRule: API.md §1.7 on the guest's review (issue 11, items 6
// and 7). A review is written in a textarea: its line breaks are kept.
func TestReviewTextRule(t *testing.T) {
	s := newStage(t, nil)
	s.book(s.guestC, 1, 2).OK(t)
	s.landlordC.Put("/api/v1.0/orders", map[string]any{"action": "accept", "order_id": 1}).OK(t)
	review := func(comment any) *apptest.Response {
		return s.guestC.Put("/api/v1.0/orders/comment", map[string]any{"order_id": 1, "comment": comment})
	}
	cases := map[string]any{"a number": 12345, "a bool": true, "an object": map[string]any{"x": 1}}
	for kind, v := range refusedText {
		cases[kind] = v
	}
	for kind, v := range cases {
		t.Run(kind, func(t *testing.T) {
			expectParam(t, review(v), "comment")
		})
	}
	if st := s.status(t, 1); st != "WAIT_COMMENT" {
		t.Fatalf("status %s after refused reviews", st)
	}
	review("\u3000干净整洁\r\n推荐 Cafe\u0301\n").OK(t)
	if o, _ := s.app.FindRecordById("orders", "1"); o.GetString("comment") != "干净整洁\n推荐 Café" {
		t.Fatalf("review stored as %q", o.GetString("comment"))
	}
}

// TestStaffCommentTextRule: an order's comment written by staff in the
// admin UI obeys the same rule (API.md §1.7), line breaks kept as LF.
func TestStaffCommentTextRule(t *testing.T) {
	s := newStage(t, nil)
	s.book(s.guestC, 1, 2).OK(t)
	_, staff := s.app.NewStaff()
	patch := func(comment string) *apptest.Response {
		return staff.Do(http.MethodPatch, "/api/collections/orders/records/1", map[string]any{"comment": comment})
	}
	for kind, v := range refusedText {
		if r := patch(v); r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"comment"`) {
			t.Errorf("staff comment %s: HTTP %d %s", kind, r.Status, r.Body)
		}
	}
	if r := patch("\u3000房东致电\r\n改期 "); r.Status != http.StatusOK {
		t.Fatalf("staff comment: HTTP %d %s", r.Status, r.Body)
	}
	if o, _ := s.app.FindRecordById("orders", "1"); o.GetString("comment") != "房东致电\n改期" {
		t.Fatalf("comment stored as %q", o.GetString("comment"))
	}
}
