package legacy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"

	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/api"
	"ihome/internal/errno"
	"ihome/internal/params"
)

// wrap is the translation of one alias around the contract's action: the
// request rewritten before it, the answer's data (or errno) after it.
func (al alias) wrap(next api.Handler) api.Handler {
	return func(e *core.RequestEvent) error {
		if al.request != nil {
			if err := al.request(e); err != nil {
				return err
			}
		}
		if al.answer == nil {
			return al.mapErr(next(e))
		}
		orig := e.Response
		rec := &recorder{header: http.Header{}, status: http.StatusOK}
		e.Response = rec
		err := func() error {
			defer func() { e.Response = orig }() // a panic's 500 must reach the client
			return next(e)
		}()
		if err != nil {
			return al.mapErr(err)
		}
		return rec.replay(orig, al.answer)
	}
}

// mapErr turns "taken" (4003) into 4001 where the pages test for that.
func (al alias) mapErr(err error) error {
	var be *errno.Error
	if al.takenIsDBErr && errors.As(err, &be) && be.Code == errno.DataExist {
		return errno.New(errno.DBErr, be.Msg)
	}
	return err
}

// recorder keeps the action's answer so that its data can be translated.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(status int)      { r.status = status }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }

// replay writes the recorded answer to w, its envelope's data passed
// through edit when the answer is a JSON success.
func (r *recorder) replay(w http.ResponseWriter, edit func(any) any) error {
	out := r.body.Bytes()
	mt, _, _ := mime.ParseMediaType(r.header.Get("Content-Type"))
	if mt == "application/json" {
		// the envelope's own field order (errno, errmsg, data), as §1.1 shows it
		var env struct {
			Errno  string          `json:"errno"`
			Errmsg string          `json:"errmsg"`
			Data   json.RawMessage `json:"data,omitempty"`
		}
		if json.Unmarshal(out, &env) == nil && env.Errno == string(errno.OK) {
			var data any
			if len(env.Data) > 0 {
				dec := json.NewDecoder(bytes.NewReader(env.Data))
				dec.UseNumber()
				if err := dec.Decode(&data); err != nil {
					return err
				}
			}
			b, err := json.Marshal(struct {
				Errno  string `json:"errno"`
				Errmsg string `json:"errmsg"`
				Data   any    `json:"data,omitempty"`
			}{env.Errno, env.Errmsg, edit(data)})
			if err != nil {
				return err
			}
			out = b
		}
	}
	for k, v := range r.header {
		w.Header()[k] = v
	}
	w.Header().Del("Content-Length")
	w.WriteHeader(r.status)
	_, err := w.Write(out)
	return err
}

// setJSON replaces the request body with the JSON of v.
func setJSON(e *core.RequestEvent, v map[string]any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	e.Request.Body = io.NopCloser(bytes.NewReader(b))
	e.Request.ContentLength = int64(len(b))
	e.Request.Header.Set("Content-Type", "application/json")
	return nil
}

// bodyMap reads the body with the contract's own reader (params.Body), so
// that a body the target refuses (too large, not an object, not UTF-8) is
// refused here with the same answer, and says whether it was a form.
func bodyMap(e *core.RequestEvent) (params.Values, bool, error) {
	v, err := params.Body(e)
	if err != nil {
		return nil, false, err
	}
	if v == nil { // a JSON null: no fields, as the target reads it
		v = params.Values{}
	}
	mt, _, _ := mime.ParseMediaType(e.Request.Header.Get("Content-Type"))
	return v, mt == "application/x-www-form-urlencoded", nil
}

// setForm replaces the request body with v form-encoded: a form stays a
// form, its bytes (invalid UTF-8 included) left for the target to judge.
func setForm(e *core.RequestEvent, v params.Values) {
	q := url.Values{}
	for k, x := range v {
		for _, s := range asList(x) {
			q.Add(k, fmt.Sprint(s))
		}
	}
	b := q.Encode()
	e.Request.Body = io.NopCloser(strings.NewReader(b))
	e.Request.ContentLength = int64(len(b))
	e.Request.Header.Set("Content-Type", "application/x-www-form-urlencoded")
}

func asList(x any) []any {
	if l, ok := x.([]any); ok {
		return l
	}
	return []any{x}
}

// captchaFromPath: GET /image_codes/{id}, /imagecode/{id} → ?cur={id}.
func captchaFromPath(e *core.RequestEvent) error {
	q := e.Request.URL.Query()
	q.Set("cur", e.Request.PathValue("id"))
	e.Request.URL.RawQuery = q.Encode()
	return nil
}

// smsFromQuery: GET /…/{mobile}?<code>=&<id>= → the body of POST /smscode.
func smsFromQuery(codeParam, idParam string) func(*core.RequestEvent) error {
	return func(e *core.RequestEvent) error {
		q := e.Request.URL.Query()
		return setJSON(e, map[string]any{
			"mobile":        e.Request.PathValue("mobile"),
			"image_code":    q.Get(codeParam),
			"image_code_id": q.Get(idParam),
		})
	}
}

// orderIDFromPath: PUT /orders/{id}/status|comment → the body's order_id
// (the path's id wins over one in the body).
func orderIDFromPath(e *core.RequestEvent) error {
	v, form, err := bodyMap(e)
	if err != nil {
		return err
	}
	v["order_id"] = e.Request.PathValue("id")
	if form {
		setForm(e, v)
		return nil
	}
	return setJSON(e, v)
}

// maxHouseId is more than any house id's text (at most 15 digits).
const maxHouseId = 64

// houseIDFromForm: POST /houses/image with the form field house_id →
// POST /houses/{house_id}/images. The body (under the route's limit) is
// read once here and given again to the action.
func houseIDFromForm(e *core.RequestEvent) error {
	raw, err := io.ReadAll(e.Request.Body)
	if err != nil {
		return err // the body limit's 413
	}
	e.Request.Body = io.NopCloser(bytes.NewReader(raw))
	_, p, err := mime.ParseMediaType(e.Request.Header.Get("Content-Type"))
	if err != nil || p["boundary"] == "" {
		return errno.Param("house_image")
	}
	mr := multipart.NewReader(bytes.NewReader(raw), p["boundary"])
	for {
		part, err := mr.NextPart()
		if err != nil {
			return errno.Param("house_id")
		}
		if part.FormName() == "house_id" && part.FileName() == "" {
			v, err := io.ReadAll(io.LimitReader(part, maxHouseId+1))
			if err != nil {
				return errno.Param("house_id")
			}
			id := string(v)
			if len(v) <= maxHouseId {
				id = strings.TrimSpace(id)
			} // else cut, and left untrimmed so that the target refuses it
			e.Request.SetPathValue("house_id", id)
			return nil
		}
	}
}

// addAvatar: data.avatar (= avatar_url), what these pages read.
func addAvatar(data any) any {
	if m, ok := data.(map[string]any); ok {
		m["avatar"] = m["avatar_url"]
	}
	return data
}

// addImageURL: data.image_url (= url).
func addImageURL(data any) any {
	if m, ok := data.(map[string]any); ok {
		m["image_url"] = m["url"]
	}
	return data
}

// wrapHouses: the home picks' bare list as {"houses": [...]}.
func wrapHouses(data any) any {
	if data == nil {
		data = []any{}
	}
	return map[string]any{"houses": data}
}

// moneyFields are the answers' amounts in fen (API.md §1.5; refund: §6.5,
// on the order list beside amount, so both in one unit).
var moneyFields = []string{"price", "deposit", "amount", "refund"}

// moneyToYuan is the one place where gocourse's money unit is switched:
// every field of moneyFields in the data, at any depth, from integer
// fen to a JSON number of yuan, exactly (8850 → 88.5).
func moneyToYuan(data any) any {
	switch v := data.(type) {
	case map[string]any:
		for k, x := range v {
			if n, ok := x.(json.Number); ok && isMoney(k) {
				v[k] = yuan(n)
			} else {
				v[k] = moneyToYuan(x)
			}
		}
	case []any:
		for i, x := range v {
			v[i] = moneyToYuan(x)
		}
	}
	return data
}

func isMoney(k string) bool {
	for _, f := range moneyFields {
		if k == f {
			return true
		}
	}
	return false
}

// yuan is fen/100 as an exact decimal number; a value that is not an
// integer count of fen is left as it is.
func yuan(fen json.Number) json.Number {
	r, ok := new(big.Rat).SetString(fen.String())
	if !ok || !r.IsInt() {
		return fen
	}
	r.Quo(r, big.NewRat(100, 1))
	s := r.FloatString(2)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return json.Number(s)
}
