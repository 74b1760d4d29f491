package auth

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"time"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"golang.org/x/crypto/bcrypt"

	"ihome/internal/envelope"
	"ihome/internal/errno"
	"ihome/internal/intid"
	"ihome/internal/params"
	"ihome/internal/session"
)

// Password length in characters (API.md §2.3).
const (
	minPasswordLen = 8
	maxPasswordLen = 72
)

// POST /user: register with a live SMS code, then log in.
func (m *module) register(e *core.RequestEvent) error {
	body, err := params.Body(e)
	if err != nil {
		return err
	}
	mobile, err := mobileParam(body)
	if err != nil {
		return err
	}
	codeField := "phonecode"
	if !body.Has(codeField) && body.Has("sms_code") {
		codeField = "sms_code"
	}
	code, err := body.String(codeField)
	if err != nil || len(code) > 16 {
		return errno.Param(codeField)
	}
	password, err := passwordParam(body)
	if err != nil {
		return err
	}
	if body.Has("password2") {
		if p2, _ := body.OptionalString("password2"); p2 != password {
			return errno.New(errno.ParamErr, "两次密码不一致: password2")
		}
	}
	// counted before anything is looked up: each attempt would otherwise
	// tell whether the mobile is registered (API.md §1.7)
	if !m.limits.take(m.cfg.Now(), rule{key: "register:ip:" + e.RealIP(), limit: m.cfg.RegisterHourlyPerIP, window: time.Hour}) {
		return errno.New(errno.ReqErr, "注册尝试过于频繁，请稍后再试")
	}

	users, err := e.App.FindCachedCollectionByNameOrId(UsersCollection)
	if err != nil {
		return err
	}
	var user *core.Record
	var outcome error // a business refusal that must still commit (a counted wrong try)
	err = e.App.RunInTransaction(func(tx core.App) error {
		if taken, err := mobileTaken(tx, mobile); err != nil {
			return err
		} else if taken {
			outcome = errno.New(errno.DataExist, "手机号已注册")
			return nil
		}
		if outcome = m.consumeSMSCode(tx, mobile, code); outcome != nil {
			return nil
		}
		user = core.NewRecord(users)
		user.Set(FieldMobile, mobile)
		user.Set(FieldName, mobile)
		user.SetPassword(storedPassword(password))
		return tx.Save(user)
	})
	if err != nil {
		return err
	}
	if outcome != nil {
		return outcome
	}
	if _, err := m.sessions.Issue(e, user); err != nil {
		return err
	}
	return envelope.OKMsg(e, "注册成功", nil)
}

// consumeSMSCode checks code against mobile's live code: a wrong code counts
// a try (the last allowed try kills the code), a right one is consumed.
func (m *module) consumeSMSCode(tx core.App, mobile, code string) error {
	rec, err := tx.FindFirstRecordByFilter(SMSCodesCollection, "mobile = {:m}", dbx.Params{"m": mobile})
	if errors.Is(err, sql.ErrNoRows) {
		return errno.New(errno.NoData, "短信验证码已失效")
	}
	if err != nil {
		return err
	}
	if !rec.GetDateTime(FieldExpires).Time().After(m.cfg.Now()) || rec.GetInt(FieldTries) >= m.cfg.SMSMaxTries {
		if err := tx.Delete(rec); err != nil {
			return err
		}
		return errno.New(errno.NoData, "短信验证码已失效")
	}
	if rec.GetString(FieldCode) != code {
		tries := rec.GetInt(FieldTries) + 1
		if tries >= m.cfg.SMSMaxTries {
			err = tx.Delete(rec)
		} else {
			rec.Set(FieldTries, tries)
			err = tx.Save(rec)
		}
		if err != nil {
			return err
		}
		return errno.New(errno.DataErr, "短信验证码错误")
	}
	if err := tx.Delete(rec); err != nil {
		return err
	}
	return nil
}

// POST /session: log in by mobile and password.
func (m *module) login(e *core.RequestEvent) error {
	body, err := params.Body(e)
	if err != nil {
		return err
	}
	mobile, err := mobileParam(body)
	if err != nil {
		return err
	}
	password, ok := body["password"].(string)
	if !ok || password == "" || utf8.RuneCountInString(password) > maxPasswordLen {
		return errno.Param("password")
	}

	// The attempt is counted before the password is checked, so parallel
	// guesses cannot outrun the lock-out; a success takes it back.
	ipKey, mobileKey := "login:ip:"+e.RealIP(), "login:mobile:"+mobile
	if !m.limits.take(m.cfg.Now(),
		rule{key: ipKey, limit: m.cfg.LoginMaxFailures, window: m.cfg.LoginWindow},
		rule{key: mobileKey, limit: m.cfg.LoginMaxFailures, window: m.cfg.LoginWindow},
	) {
		return errno.New(errno.ReqErr, "登录失败次数过多，请10分钟后再试")
	}

	user, err := e.App.FindFirstRecordByFilter(UsersCollection, "mobile = {:m}", dbx.Params{"m": mobile})
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if user == nil {
		m.burnPasswordCheck(password)
		return errno.New(errno.PwdErr, "手机号或密码错误")
	}
	if !user.ValidatePassword(storedPassword(password)) {
		return errno.New(errno.PwdErr, "手机号或密码错误")
	}
	m.limits.reset(mobileKey)
	m.limits.refund(ipKey)

	token, err := m.sessions.Issue(e, user)
	if err != nil {
		return err
	}
	return envelope.OKMsg(e, "登录成功", loginInfo{
		UserID: intid.Int(user.Id),
		Name:   user.GetString(FieldName),
		Token:  token,
	})
}

// GET /session: who is logged in.
func (m *module) sessionState(e *core.RequestEvent) error {
	user := session.User(e)
	if user == nil {
		return errno.New(errno.SessionErr, "未登录")
	}
	return envelope.OK(e, loginInfo{UserID: intid.Int(user.Id), Name: user.GetString(FieldName)})
}

// loginInfo is the data of POST and GET /session.
type loginInfo struct {
	UserID int64  `json:"user_id"`
	Name   string `json:"name"`
	Token  string `json:"token,omitzero"` // only when logging in
}

// DELETE /session: log out this session only.
func (m *module) logout(e *core.RequestEvent) error {
	if err := m.sessions.Revoke(e); err != nil {
		return err
	}
	return envelope.OK(e, nil)
}

// DELETE /sessions (login): log out on every device (API.md §1.7).
func (m *module) logoutEverywhere(e *core.RequestEvent) error {
	if err := m.sessions.RevokeAll(e); err != nil {
		return err
	}
	return envelope.OK(e, nil)
}

func passwordParam(body params.Values) (string, error) {
	raw, _ := body["password"].(string)
	n := utf8.RuneCountInString(raw)
	if n < minPasswordLen || n > maxPasswordLen || !utf8.ValidString(raw) {
		return "", errno.Param("password")
	}
	return raw, nil
}

// storedPassword is what reaches PocketBase's bcrypt password field, which
// takes at most 71 bytes: longer passwords (the contract allows 72
// characters, CJK ones are 3 bytes each) are first reduced by SHA-256.
func storedPassword(p string) string {
	if len(p) <= 71 {
		return p
	}
	sum := sha256.Sum256([]byte(p))
	return hex.EncodeToString(sum[:])
}

// burnPasswordCheck spends the time of a real bcrypt check, so an unknown
// mobile cannot be told from a wrong password by the response time.
func (m *module) burnPasswordCheck(password string) {
	m.dummyOnce.Do(func() {
		m.dummyHash, _ = bcrypt.GenerateFromPassword([]byte("ihome-no-such-user"), bcrypt.DefaultCost)
	})
	_ = bcrypt.CompareHashAndPassword(m.dummyHash, []byte(storedPassword(password)))
}
