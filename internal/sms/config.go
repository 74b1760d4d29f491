package sms

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// Provider names (--sms-provider).
const (
	ProviderLog     = "log"
	ProviderAliyun  = "aliyun"
	ProviderTencent = "tencent"
)

// DefaultTimeout bounds one call to a vendor.
const DefaultTimeout = 10 * time.Second

// Config chooses and configures the provider (API.md §8.1). Keys never
// live in the repository: they come from flags or, better (flags show in
// the process list), IHOME_SMS_* environment variables.
type Config struct {
	Provider string        // log (default), aliyun or tencent
	Timeout  time.Duration // one vendor call; DefaultTimeout when zero
	// LogCollection is where the Log provider writes (sms_outbox).
	LogCollection string
	Aliyun        AliyunConfig
	Tencent       TencentConfig

	templateFlags map[string]*string // set by Flags: flag name → value
}

// AliyunConfig holds the values of Aliyun's SMS console (docs/SMS.md).
type AliyunConfig struct {
	AccessKeyId     string
	AccessKeySecret string
	SignName        string // 签名名称
	Region          string // cn-hangzhou by default
	// Endpoint overrides dysmsapi.aliyuncs.com: a host, or a URL whose
	// scheme is http or https (tests point it at a local fake).
	Endpoint string
	// Templates maps each template name to its 模板CODE (SMS_123456789).
	Templates map[string]string
}

// TencentConfig holds the values of Tencent Cloud's SMS console (docs/SMS.md).
type TencentConfig struct {
	SecretId  string
	SecretKey string
	AppId     string // SmsSdkAppId, 1400…
	SignName  string // 签名内容
	Region    string // ap-guangzhou by default
	// Endpoint overrides sms.tencentcloudapi.com, as AliyunConfig.Endpoint.
	Endpoint string
	// Templates maps each template name to its 模板 ID (digits).
	Templates map[string]string
}

// Flags declares the provider settings on fs (all but --sms-provider,
// which main declares), each defaulting to its IHOME_SMS_* variable read
// through env (name, default) → value.
func (c *Config) Flags(fs *pflag.FlagSet, env func(name, def string) string) {
	str := func(p *string, flag, def, usage string) {
		name := envName(flag)
		fs.StringVar(p, flag, env(name, def), usage+" ["+name+"]")
	}
	dur := env("IHOME_SMS_TIMEOUT", "")
	d, err := time.ParseDuration(dur)
	if err != nil || d <= 0 {
		d = DefaultTimeout
	}
	fs.DurationVar(&c.Timeout, "sms-timeout", d, "time limit of one call to the SMS vendor [IHOME_SMS_TIMEOUT]")

	str(&c.Aliyun.AccessKeyId, "sms-aliyun-access-key-id", "", "Aliyun AccessKey ID")
	str(&c.Aliyun.AccessKeySecret, "sms-aliyun-access-key-secret", "", "Aliyun AccessKey Secret (prefer the variable)")
	str(&c.Aliyun.SignName, "sms-aliyun-sign-name", "", "Aliyun SMS sign name (签名名称)")
	str(&c.Aliyun.Region, "sms-aliyun-region", "cn-hangzhou", "Aliyun region")
	str(&c.Aliyun.Endpoint, "sms-aliyun-endpoint", "", "Aliyun endpoint override (default dysmsapi.aliyuncs.com)")
	str(&c.Tencent.SecretId, "sms-tencent-secret-id", "", "Tencent Cloud SecretId")
	str(&c.Tencent.SecretKey, "sms-tencent-secret-key", "", "Tencent Cloud SecretKey (prefer the variable)")
	str(&c.Tencent.AppId, "sms-tencent-app-id", "", "Tencent SMS SdkAppId (1400…)")
	str(&c.Tencent.SignName, "sms-tencent-sign-name", "", "Tencent SMS sign (签名内容)")
	str(&c.Tencent.Region, "sms-tencent-region", "ap-guangzhou", "Tencent Cloud region")
	str(&c.Tencent.Endpoint, "sms-tencent-endpoint", "", "Tencent endpoint override (default sms.tencentcloudapi.com)")

	c.templateFlags = map[string]*string{}
	for _, t := range Templates() {
		for vendor, what := range map[string]string{ProviderAliyun: "模板CODE", ProviderTencent: "模板ID"} {
			flag := templateFlag(vendor, t.Name)
			p := new(string)
			str(p, flag, "", fmt.Sprintf("%s %s of the %s template", vendor, what, t.Name))
			c.templateFlags[flag] = p
		}
	}
}

// withFlags fills the template maps from the parsed template flags.
func (c Config) withFlags() Config {
	if c.templateFlags == nil {
		return c
	}
	fill := func(vendor string, m map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range m {
			out[k] = v
		}
		for _, t := range Templates() {
			if p := c.templateFlags[templateFlag(vendor, t.Name)]; p != nil && *p != "" {
				out[t.Name] = *p
			}
		}
		return out
	}
	c.Aliyun.Templates = fill(ProviderAliyun, c.Aliyun.Templates)
	c.Tencent.Templates = fill(ProviderTencent, c.Tencent.Templates)
	return c
}

func templateFlag(vendor, template string) string {
	return "sms-" + vendor + "-template-" + strings.ReplaceAll(template, "_", "-")
}

func envName(flag string) string {
	return "IHOME_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// setting names a flag and its variable in error messages.
func setting(flag string) string { return "--" + flag + " (" + envName(flag) + ")" }

// New returns the provider cfg chooses. A vendor must be configured
// whole: keys, sign name and every template; a missing value is an error
// that names each missing flag and variable, so a half-configured server
// does not start.
func New(cfg Config) (Provider, error) {
	cfg = cfg.withFlags()
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	switch cfg.Provider {
	case "", ProviderLog:
		if cfg.LogCollection == "" {
			return nil, errors.New("sms: the log provider needs its collection")
		}
		return Log{Collection: cfg.LogCollection}, nil
	case ProviderAliyun:
		a := cfg.Aliyun
		if err := missing(ProviderAliyun, map[string]string{
			"sms-aliyun-access-key-id": a.AccessKeyId, "sms-aliyun-access-key-secret": a.AccessKeySecret,
			"sms-aliyun-sign-name": a.SignName, "sms-aliyun-region": a.Region,
		}, a.Templates); err != nil {
			return nil, err
		}
		return newAliyun(a, cfg.Timeout)
	case ProviderTencent:
		t := cfg.Tencent
		if err := missing(ProviderTencent, map[string]string{
			"sms-tencent-secret-id": t.SecretId, "sms-tencent-secret-key": t.SecretKey,
			"sms-tencent-app-id": t.AppId, "sms-tencent-sign-name": t.SignName, "sms-tencent-region": t.Region,
		}, t.Templates); err != nil {
			return nil, err
		}
		return newTencent(t, cfg.Timeout)
	}
	return nil, fmt.Errorf("--sms-provider: unknown provider %q (log, aliyun or tencent)", cfg.Provider)
}

// missing lists the empty settings of vendor, or nil.
func missing(vendor string, settings map[string]string, templates map[string]string) error {
	var miss []string
	for flag, v := range settings {
		if strings.TrimSpace(v) == "" {
			miss = append(miss, setting(flag))
		}
	}
	for _, t := range Templates() {
		if strings.TrimSpace(templates[t.Name]) == "" {
			miss = append(miss, setting(templateFlag(vendor, t.Name)))
		}
	}
	if len(miss) == 0 {
		return nil
	}
	slices.Sort(miss)
	return fmt.Errorf("--sms-provider %s is half-configured: missing %s (see docs/SMS.md)", vendor, strings.Join(miss, ", "))
}

// endpoint splits an endpoint override into scheme (HTTP or HTTPS) and
// host[:port]; def is the host when override is empty.
func endpoint(override, def string) (scheme, host string, err error) {
	override = strings.TrimSpace(override)
	if override == "" {
		return "HTTPS", def, nil
	}
	if !strings.Contains(override, "://") {
		override = "https://" + override
	}
	u, err := url.Parse(override)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") || (u.Path != "" && u.Path != "/") {
		return "", "", fmt.Errorf("sms endpoint %q: want host[:port] or http(s)://host[:port]", override)
	}
	return strings.ToUpper(u.Scheme), u.Host, nil
}
