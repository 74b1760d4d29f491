package auth_test

import (
	"net/http"
	"testing"
	"time"

	"ihome/internal/apptest"
	"ihome/internal/sms"
	"ihome/internal/sms/smsfake"
	"ihome/modules"
)

// vendorFake is what these tests need of a vendor's fake.
type vendorFake interface {
	Fail(smsfake.Mode, int)
	Deliveries() []smsfake.Delivery
}

// vendorApps returns, for each vendor, its fake and an app whose SMS
// provider is that vendor's, pointed at the fake.
func vendorApps(t *testing.T) map[string]struct {
	fake vendorFake
	app  *apptest.App
} {
	a, c := smsfake.NewAliyun(t), smsfake.NewTencent(t)
	out := map[string]struct {
		fake vendorFake
		app  *apptest.App
	}{}
	for name, v := range map[string]struct {
		fake vendorFake
		cfg  sms.Config
	}{
		"aliyun":  {a, sms.Config{Provider: sms.ProviderAliyun, Timeout: 2 * time.Second, Aliyun: a.Config()}},
		"tencent": {c, sms.Config{Provider: sms.ProviderTencent, Timeout: 2 * time.Second, Tencent: c.Config()}},
	} {
		p, err := sms.New(v.cfg)
		if err != nil {
			t.Fatal(err)
		}
		app := apptest.New(t, apptest.WithConfig(func(c *modules.Config) { c.SMS = p }))
		out[name] = struct {
			fake vendorFake
			app  *apptest.App
		}{v.fake, app}
	}
	return out
}

// TestRegistrationThroughEachVendor: the code reaches the vendor (its
// fake checks the signature, the template id and its one parameter), and
// the code the vendor got registers the account: end to end, nothing read
// from our database.
func TestRegistrationThroughEachVendor(t *testing.T) {
	for name, v := range vendorApps(t) {
		t.Run(name, func(t *testing.T) {
			c := v.app.Client()
			mobile := apptest.Mobile(31)
			cur := "reg-" + name
			code := captcha(t, v.app, c, cur)
			c.Post("/api/v1.0/smscode/", map[string]any{"mobile": mobile, "image_code_id": cur, "image_code": code}).OK(t)
			got := v.fake.Deliveries()
			if len(got) != 1 || got[0].Mobile != mobile || got[0].Template != sms.TemplateCode || len(got[0].Params) != 1 {
				t.Fatalf("vendor got %+v", got)
			}
			c.Post("/api/v1.0/user", map[string]any{"mobile": mobile, "phonecode": got[0].Params[sms.ParamCode], "password": "password-1"}).OK(t)
			if r := c.Get("/api/v1.0/session").OK(t); len(r.Data) == 0 {
				t.Fatalf("not logged in after registering: %s", r.Body)
			}
		})
	}
}

// TestVendorFailureKeepsTheResendAllowance: a vendor failure answers 4301
// and does not count against the mobile's resend interval (nor its daily
// cap): the user may ask again at once and gets a code.
func TestVendorFailureKeepsTheResendAllowance(t *testing.T) {
	for name, v := range vendorApps(t) {
		t.Run(name, func(t *testing.T) {
			c := v.app.Client()
			mobile := apptest.Mobile(32)
			for i, mode := range []smsfake.Mode{smsfake.Throttled, smsfake.TemplateNotApproved, smsfake.BadSignature} {
				v.fake.Fail(mode, 1)
				cur := "fail-" + name + string(rune('a'+i))
				code := captcha(t, v.app, c, cur)
				c.Post("/api/v1.0/smscode/", map[string]any{"mobile": mobile, "image_code_id": cur, "image_code": code}).
					Expect(t, http.StatusOK, "4301")
			}
			cur := "retry-" + name
			code := captcha(t, v.app, c, cur)
			c.Post("/api/v1.0/smscode/", map[string]any{"mobile": mobile, "image_code_id": cur, "image_code": code}).OK(t)
			if got := v.fake.Deliveries(); len(got) != 1 || got[0].Mobile != mobile {
				t.Fatalf("vendor got %+v", got)
			}
			// the successful send does count: a second one within 60 s is 4201
			cur = "again-" + name
			code = captcha(t, v.app, c, cur)
			c.Post("/api/v1.0/smscode/", map[string]any{"mobile": mobile, "image_code_id": cur, "image_code": code}).
				Expect(t, http.StatusOK, "4201")
		})
	}
}
