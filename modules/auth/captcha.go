package auth

import (
	"bytes"
	"database/sql"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/mojocn/base64Captcha"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"ihome/internal/errno"
)

// captchaIdPattern is the shape of the client-made captcha id (cur/pre).
var captchaIdPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// captchaAlphabet leaves out look-alikes (0/O, 1/I/L).
const captchaAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// GET /imagecode?cur=ID&pre=ID: a PNG whose code is stored under cur.
func (m *module) imageCode(e *core.RequestEvent) error {
	q := e.Request.URL.Query()
	cur, pre := q.Get("cur"), q.Get("pre")
	if !captchaIdPattern.MatchString(cur) {
		return errno.Param("cur")
	}
	if pre != "" && !captchaIdPattern.MatchString(pre) {
		return errno.Param("pre")
	}
	// each captcha costs a drawing and a database write (API.md §1.7)
	if !m.limits.take(m.cfg.Now(), rule{key: "captcha:ip:" + e.RealIP(), limit: m.cfg.CaptchaPerMinutePerIP, window: time.Minute}) {
		return errno.New(errno.ReqErr, "图片验证码请求过于频繁，请稍后再试")
	}

	driver := base64Captcha.NewDriverString(40, 120, 0,
		base64Captcha.OptionShowSlimeLine, 4, captchaAlphabet, nil, nil, nil)
	_, content, answer := driver.GenerateIdQuestionAnswer()
	item, err := driver.DrawCaptcha(content)
	if err != nil {
		return err
	}
	var png bytes.Buffer
	if _, err := item.WriteTo(&png); err != nil {
		return err
	}

	col, err := e.App.FindCachedCollectionByNameOrId(CaptchasCollection)
	if err != nil {
		return err
	}
	err = e.App.RunInTransaction(func(tx core.App) error {
		for _, key := range []string{pre, cur} {
			if key == "" {
				continue
			}
			if _, err := tx.DB().Delete(CaptchasCollection, dbx.HashExp{FieldKey: key}).Execute(); err != nil {
				return err
			}
		}
		rec := core.NewRecord(col)
		rec.Set(FieldKey, cur)
		rec.Set(FieldCode, answer)
		rec.Set(FieldExpires, m.cfg.Now().Add(m.cfg.CaptchaTTL))
		return tx.Save(rec)
	})
	if err != nil {
		return err
	}
	e.Response.Header().Set("Cache-Control", "no-store")
	return e.Blob(http.StatusOK, "image/png", png.Bytes())
}

// checkCaptcha consumes the captcha key, right or wrong: one DELETE …
// RETURNING, so even concurrent checks see it once.
func (m *module) checkCaptcha(app core.App, key, answer string) error {
	var row struct {
		Code    string `db:"code"`
		Expires string `db:"expires"`
	}
	err := app.NonconcurrentDB().NewQuery(
		"DELETE FROM " + CaptchasCollection + " WHERE [[key]] = {:key} RETURNING code, expires").
		Bind(dbx.Params{"key": key}).One(&row)
	if errors.Is(err, sql.ErrNoRows) {
		return errno.New(errno.NoData, "图片验证码已过期")
	}
	if err != nil {
		return err
	}
	expires, err := types.ParseDateTime(row.Expires)
	if err != nil || !expires.Time().After(m.cfg.Now()) {
		return errno.New(errno.NoData, "图片验证码已过期")
	}
	if !strings.EqualFold(row.Code, answer) {
		return errno.New(errno.DataErr, "图片验证码错误")
	}
	return nil
}

// dbTime formats t the way PocketBase stores date fields.
func dbTime(t time.Time) string {
	return t.UTC().Format(types.DefaultDateLayout)
}
