package sms_test

import (
	"os"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"ihome/internal/sms"
	"ihome/internal/sms/smsfake"
)

// TestHalfConfiguredProviderRefused: start-up refuses a vendor with any
// setting missing, naming each missing flag and variable.
func TestHalfConfiguredProviderRefused(t *testing.T) {
	a := smsfake.NewAliyun(t).Config()
	a.SignName = ""
	delete(a.Templates, sms.TemplateOrderNew)
	_, err := sms.New(sms.Config{Provider: sms.ProviderAliyun, Aliyun: a})
	if err == nil || !strings.Contains(err.Error(), "--sms-aliyun-sign-name (IHOME_SMS_ALIYUN_SIGN_NAME)") ||
		!strings.Contains(err.Error(), "--sms-aliyun-template-order-new (IHOME_SMS_ALIYUN_TEMPLATE_ORDER_NEW)") ||
		strings.Contains(err.Error(), "access-key-id") {
		t.Fatalf("aliyun: %v", err)
	}

	c := smsfake.NewTencent(t).Config()
	c.SecretKey = " "
	c.Templates[sms.TemplateCode] = ""
	_, err = sms.New(sms.Config{Provider: sms.ProviderTencent, Tencent: c})
	if err == nil || !strings.Contains(err.Error(), "--sms-tencent-secret-key (IHOME_SMS_TENCENT_SECRET_KEY)") ||
		!strings.Contains(err.Error(), "--sms-tencent-template-code (IHOME_SMS_TENCENT_TEMPLATE_CODE)") {
		t.Fatalf("tencent: %v", err)
	}

	if _, err := sms.New(sms.Config{Provider: "smsbao"}); err == nil || !strings.Contains(err.Error(), "smsbao") {
		t.Fatalf("unknown provider: %v", err)
	}
	a = smsfake.NewAliyun(t).Config()
	a.Endpoint = "ftp://example.invalid/x"
	if _, err := sms.New(sms.Config{Provider: sms.ProviderAliyun, Aliyun: a}); err == nil || !strings.Contains(err.Error(), "endpoint") {
		t.Fatalf("bad endpoint: %v", err)
	}
	if p, err := sms.New(sms.Config{LogCollection: "sms_outbox"}); err != nil || p == nil {
		t.Fatalf("log provider: %v", err)
	}
}

// TestFlagsAndEnvironment: every setting, templates included, comes from
// an IHOME_SMS_* variable, and a flag wins over it.
func TestFlagsAndEnvironment(t *testing.T) {
	f := smsfake.NewTencent(t)
	want := f.Config()
	env := map[string]string{
		"IHOME_SMS_TENCENT_SECRET_ID": want.SecretId, "IHOME_SMS_TENCENT_SECRET_KEY": "from-the-environment",
		"IHOME_SMS_TENCENT_APP_ID": want.AppId, "IHOME_SMS_TENCENT_SIGN_NAME": want.SignName,
		"IHOME_SMS_TENCENT_ENDPOINT": want.Endpoint, "IHOME_SMS_TIMEOUT": "3s",
	}
	for name, id := range want.Templates {
		env["IHOME_SMS_TENCENT_TEMPLATE_"+strings.ToUpper(name)] = id
	}
	var cfg sms.Config
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	cfg.Flags(fs, func(name, def string) string {
		if v, ok := env[name]; ok {
			return v
		}
		return def
	})
	if err := fs.Parse([]string{"--sms-tencent-secret-key", want.SecretKey}); err != nil {
		t.Fatal(err)
	}
	cfg.Provider = sms.ProviderTencent
	if cfg.Timeout.Seconds() != 3 || cfg.Tencent.Region != "ap-guangzhou" || cfg.Tencent.SecretKey != want.SecretKey {
		t.Fatalf("config %+v", cfg)
	}
	p, err := sms.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	msg := sms.Message{Template: sms.TemplateCode, Params: map[string]string{sms.ParamCode: "123456"}}
	if err := p.Send(t.Context(), nil, "13800000008", msg); err != nil {
		t.Fatal(err)
	}
	if d := f.Deliveries(); len(d) != 1 || d[0].TemplateId != want.Templates[sms.TemplateCode] {
		t.Fatalf("%+v", d)
	}
}

// TestTemplatesRender: the texts to register name exactly their parameters.
func TestTemplatesRender(t *testing.T) {
	for _, tpl := range sms.Templates() {
		params := map[string]string{}
		for _, p := range tpl.Params {
			if !strings.Contains(tpl.Text, "${"+p+"}") {
				t.Errorf("%s: text lacks ${%s}", tpl.Name, p)
			}
			params[p] = "X"
		}
		if r := tpl.Render(params); strings.Contains(r, "${") {
			t.Errorf("%s: unknown parameter left in %q", tpl.Name, r)
		}
		if tc := tpl.TencentText(); strings.Contains(tc, "${") || (len(tpl.Params) > 0 && !strings.Contains(tc, "{1}")) {
			t.Errorf("%s: Tencent text %q", tpl.Name, tc)
		}
	}
}

// TestDocsListEveryTemplate: docs/SMS.md gives each template with the
// exact texts to register at both vendors.
func TestDocsListEveryTemplate(t *testing.T) {
	doc, err := os.ReadFile("../../docs/SMS.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, tpl := range sms.Templates() {
		row := "| `" + tpl.Name + "` |"
		i := strings.Index(string(doc), row)
		if i < 0 {
			t.Errorf("docs/SMS.md has no row for %s", tpl.Name)
			continue
		}
		line, _, _ := strings.Cut(string(doc[i:]), "\n")
		if !strings.Contains(line, "| "+tpl.Text+" |") || !strings.Contains(line, "| "+tpl.TencentText()+" |") {
			t.Errorf("docs/SMS.md row of %s does not give its texts: %s", tpl.Name, line)
		}
	}
}
