package auth

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"regexp"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"ihome/internal/envelope"
	"ihome/internal/errno"
	"ihome/internal/params"
	"ihome/internal/sms"
)

// MobilePattern is a mainland China mobile number.
var MobilePattern = regexp.MustCompile(`^1[3-9]\d{9}$`)

// SMSProvider delivers the registration code: sms.Log (the default, to
// the server log and sms_outbox), Aliyun or Tencent Cloud (API.md §8.1).
type SMSProvider = sms.Provider

// POST /smscode/: checks the image captcha, then texts a registration code.
func (m *module) sendSMSCode(e *core.RequestEvent) error {
	body, err := params.Body(e)
	if err != nil {
		return err
	}
	mobile, err := mobileParam(body)
	if err != nil {
		return err
	}
	captchaId, err := body.String("image_code_id")
	if err != nil || !captchaIdPattern.MatchString(captchaId) {
		return errno.Param("image_code_id")
	}
	answer, err := body.String("image_code")
	if err != nil || len(answer) > 16 {
		return errno.Param("image_code")
	}

	if err := m.checkCaptcha(e.App, captchaId, answer); err != nil {
		return err
	}
	if taken, err := mobileTaken(e.App, mobile); err != nil {
		return err
	} else if taken {
		return errno.New(errno.DataExist, "手机号已注册")
	}

	now := m.cfg.Now()
	day := now.In(m.cfg.Location).Format("2006-01-02")
	allowed := m.limits.take(now,
		rule{key: "sms:resend:" + mobile, limit: 1, window: m.cfg.SMSResendInterval},
		rule{key: "sms:day:" + day + ":" + mobile, limit: m.cfg.SMSDailyLimit, window: 24 * time.Hour},
		rule{key: "sms:ip:" + e.RealIP(), limit: m.cfg.SMSHourlyPerIP, window: time.Hour},
	)
	if !allowed {
		return errno.New(errno.ReqErr, "发送过于频繁，请稍后再试")
	}

	code, err := sixDigits()
	if err != nil {
		return err
	}
	text := fmt.Sprintf("【爱家租房】您的注册验证码是%s，%d分钟内有效。", code, int(m.cfg.SMSCodeTTL.Minutes()))
	msg := sms.Message{Template: sms.TemplateCode, Params: map[string]string{sms.ParamCode: code}, Text: text}
	if err := m.cfg.SMS.Send(e.Request.Context(), e.App, mobile, msg); err != nil {
		// no code left: the mobile's resend interval and daily cap are
		// given back (the per-IP cap still counts the request), and the
		// code sent before, if any, stays the live one (API.md §8.1)
		m.limits.refund("sms:resend:" + mobile)
		m.limits.refund("sms:day:" + day + ":" + mobile)
		return errno.Wrap(errno.ThirdErr, err)
	}
	// stored once sent, outside the vendor call (DESIGN.md §6)
	if err := m.storeSMSCode(e.App, mobile, code); err != nil {
		return err
	}
	return envelope.OKMsg(e, "发送成功", nil)
}

// storeSMSCode replaces any earlier code of mobile with a fresh one.
func (m *module) storeSMSCode(app core.App, mobile, code string) error {
	col, err := app.FindCachedCollectionByNameOrId(SMSCodesCollection)
	if err != nil {
		return err
	}
	return app.RunInTransaction(func(tx core.App) error {
		if _, err := tx.DB().Delete(SMSCodesCollection, dbx.HashExp{FieldMobile: mobile}).Execute(); err != nil {
			return err
		}
		rec := core.NewRecord(col)
		rec.Set(FieldMobile, mobile)
		rec.Set(FieldCode, code)
		rec.Set(FieldExpires, m.cfg.Now().Add(m.cfg.SMSCodeTTL))
		rec.Set(FieldTries, 0)
		return tx.Save(rec)
	})
}

// mobileParam reads the mobile field: a mainland number, else 4103.
func mobileParam(body params.Values) (string, error) {
	mobile, err := body.String("mobile")
	if err != nil || !MobilePattern.MatchString(mobile) {
		return "", errno.Param("mobile")
	}
	return mobile, nil
}

func mobileTaken(app core.App, mobile string) (bool, error) {
	var n int
	err := app.DB().Select("count(*)").From(UsersCollection).
		Where(dbx.HashExp{FieldMobile: mobile}).Row(&n)
	return n > 0, err
}

func sixDigits() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}
