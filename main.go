// Command ihome is the iHome home-rental service: PocketBase used as a
// framework, with the /api/v1.0 modules, the web pages and the migrations
// compiled in, so the binary alone is deployable.
package main

import (
	"embed"
	"errors"
	"io/fs"
	"log"
	"net/http"
	"os"
	"runtime/debug"
	"time"

	"github.com/pocketbase/pocketbase"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/plugins/jsvm"
	"github.com/pocketbase/pocketbase/plugins/migratecmd"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/spf13/pflag"

	"ihome/internal/media"
	"ihome/internal/session"
	"ihome/internal/sms"
	"ihome/modules"
	"ihome/modules/auth"
	"ihome/modules/calendar"
	"ihome/modules/legacy"
	"ihome/modules/notify"
	"ihome/modules/order"
	"ihome/modules/payment"
	_ "ihome/pb_migrations"
)

//go:embed all:pb_public
var embeddedPublic embed.FS

func main() {
	app := pocketbase.NewWithConfig(pocketbase.Config{
		// PocketBase's defaults (120 connections, a 32 MB page cache each)
		// suit big machines; on two cores they grew the process past 500 MB
		// under load and were slower than 4 connections with 2 MB each
		// (measured with make bench; the OS page cache holds the data).
		DataMaxOpenConns: envInt("IHOME_DB_MAX_CONNS", 4),
		DataMaxIdleConns: envInt("IHOME_DB_MAX_CONNS", 4),
		AuxMaxOpenConns:  4,
		AuxMaxIdleConns:  2,
		DBConnect:        connectDB(envInt("IHOME_DB_CACHE_KB", 2000)),
	})
	flags := app.RootCmd.PersistentFlags()

	var (
		publicDir   = flags.String("publicDir", "", "serve the web pages from this directory instead of the embedded copy")
		compat      = flags.String("compat", env("IHOME_COMPAT", legacy.None), "be the backend of an existing front-end: none, flask or gocourse (API.md §9; its pages from --publicDir) [IHOME_COMPAT]")
		hooksDir    = flags.String("hooksDir", "", "the directory with the JS hooks (default pb_data/../pb_hooks)")
		hooksWatch  = flags.Bool("hooksWatch", false, "restart when a pb_hooks file changes")
		timezone    = flags.String("tz", env("IHOME_TZ", "Asia/Shanghai"), "time zone of calendar dates [IHOME_TZ]")
		sessionTTL  = flags.Duration("session-ttl", envDuration("IHOME_SESSION_TTL", 7*24*time.Hour), "session lifetime [IHOME_SESSION_TTL]")
		smsProvider = flags.String("sms-provider", env("IHOME_SMS_PROVIDER", "log"), "SMS provider: log, aliyun or tencent (docs/SMS.md) [IHOME_SMS_PROVIDER]")
		smsCfg      sms.Config
		notifyCfg   notify.Config
		authCfg     auth.Config
		orderCfg    order.Config
	)
	flags.DurationVar(&authCfg.CaptchaTTL, "captcha-ttl", envDuration("IHOME_CAPTCHA_TTL", 180*time.Second), "image captcha lifetime [IHOME_CAPTCHA_TTL]")
	flags.DurationVar(&authCfg.SMSCodeTTL, "sms-code-ttl", envDuration("IHOME_SMS_CODE_TTL", 300*time.Second), "SMS code lifetime [IHOME_SMS_CODE_TTL]")
	flags.DurationVar(&authCfg.SMSResendInterval, "sms-resend-interval", envDuration("IHOME_SMS_RESEND_INTERVAL", 60*time.Second), "minimum time between two codes to one mobile [IHOME_SMS_RESEND_INTERVAL]")
	flags.IntVar(&authCfg.SMSDailyLimit, "sms-daily-limit", envInt("IHOME_SMS_DAILY_LIMIT", 10), "codes a mobile may get a day [IHOME_SMS_DAILY_LIMIT]")
	flags.IntVar(&authCfg.SMSHourlyPerIP, "sms-hourly-per-ip", envInt("IHOME_SMS_HOURLY_PER_IP", 20), "codes one IP may request an hour [IHOME_SMS_HOURLY_PER_IP]")
	flags.IntVar(&authCfg.SMSMaxTries, "sms-max-tries", envInt("IHOME_SMS_MAX_TRIES", 5), "wrong tries that kill an SMS code [IHOME_SMS_MAX_TRIES]")
	flags.IntVar(&authCfg.LoginMaxFailures, "login-max-failures", envInt("IHOME_LOGIN_MAX_FAILURES", 5), "failed logins before lock-out [IHOME_LOGIN_MAX_FAILURES]")
	flags.DurationVar(&authCfg.LoginWindow, "login-window", envDuration("IHOME_LOGIN_WINDOW", 10*time.Minute), "failure window and lock-out time [IHOME_LOGIN_WINDOW]")
	flags.IntVar(&authCfg.CaptchaPerMinutePerIP, "captcha-per-minute-per-ip", envInt("IHOME_CAPTCHA_PER_MINUTE_PER_IP", 30), "image captchas one IP may request a minute [IHOME_CAPTCHA_PER_MINUTE_PER_IP]")
	flags.IntVar(&authCfg.RegisterHourlyPerIP, "register-hourly-per-ip", envInt("IHOME_REGISTER_HOURLY_PER_IP", 20), "registration attempts one IP may make an hour [IHOME_REGISTER_HOURLY_PER_IP]")
	flags.IntVar(&authCfg.StaffLoginPerMinute, "staff-login-per-minute", envInt("IHOME_STAFF_LOGIN_PER_MINUTE", 5), "superuser logins one IP may try a minute, PocketBase's rate limiter; negative: leave it to the admin UI [IHOME_STAFF_LOGIN_PER_MINUTE]")
	secureCookies := flags.Bool("secure-cookies", envInt("IHOME_SECURE_COOKIES", 0) == 1, "mark the session and csrf_token cookies Secure on every response (behind a TLS proxy) [IHOME_SECURE_COOKIES=1]")
	flags.IntVar(&orderCfg.MaxOpenOrders, "max-open-orders", envInt("IHOME_MAX_OPEN_ORDERS", order.DefaultMaxOpenOrders), "orders a guest may have waiting for an answer or a payment [IHOME_MAX_OPEN_ORDERS]")
	flags.IntVar(&orderCfg.MaxStayDays, "max-stay-days", envInt("IHOME_MAX_STAY_DAYS", order.DefaultMaxStayDays), "longest stay, in days [IHOME_MAX_STAY_DAYS]")
	// host calendar imports (API.md §7.4)
	var calendarCfg calendar.Config
	flags.BoolVar(&calendarCfg.AllowPrivateFeeds, "ical-allow-private", envInt("IHOME_ICAL_ALLOW_PRIVATE", 0) == 1, "let iCal imports reach private and loopback addresses: for tests only, it turns the SSRF guard off [IHOME_ICAL_ALLOW_PRIVATE=1]")
	// picture uploads: decoded once, bounded, in a few slots (internal/media)
	var mediaCfg media.Config
	flags.IntVar(&mediaCfg.Slots, "upload-slots", envInt("IHOME_UPLOAD_SLOTS", media.DefaultSlots), "picture uploads decoded at once [IHOME_UPLOAD_SLOTS]")
	flags.IntVar(&mediaCfg.MaxSide, "image-max-side", envInt("IHOME_IMAGE_MAX_SIDE", media.DefaultMaxSide), "largest picture width or height accepted, in pixels [IHOME_IMAGE_MAX_SIDE]")
	flags.Int64Var(&mediaCfg.MaxDecodedBytes, "image-max-decoded-bytes", int64(envInt("IHOME_IMAGE_MAX_DECODED_BYTES", media.DefaultMaxDecodedBytes)), "largest decoded picture accepted, in bytes of memory [IHOME_IMAGE_MAX_DECODED_BYTES]")
	flags.IntVar(&mediaCfg.MaxScans, "image-max-scans", envInt("IHOME_IMAGE_MAX_SCANS", media.DefaultMaxScans), "most scans a JPEG may have [IHOME_IMAGE_MAX_SCANS]")
	flags.DurationVar(&mediaCfg.DecodeTimeout, "image-decode-timeout", envDuration("IHOME_IMAGE_DECODE_TIMEOUT", media.DefaultDecodeTimeout), "longest decode of an upload before it is refused [IHOME_IMAGE_DECODE_TIMEOUT]")
	// payments (API.md §6; docs/PAYMENTS.md): keys and URLs by flag or env, never in the repo
	var payCfg payment.Config
	flags.StringVar(&payCfg.Provider, "payment", env("IHOME_PAYMENT", payment.ProviderNone), "payment provider: none (accept → WAIT_COMMENT), alipay, or fake (a local cashier page, for demos and tests) [IHOME_PAYMENT]")
	flags.DurationVar(&payCfg.PayWindow, "pay-window", envDuration("IHOME_PAY_WINDOW", payment.DefaultPayWindow), "how long an accepted order waits for its payment [IHOME_PAY_WINDOW]")
	flags.DurationVar(&payCfg.QueryAfter, "pay-query-after", envDuration("IHOME_PAY_QUERY_AFTER", payment.DefaultQueryAfter), "an unpaid payment older than this is queried at the provider (missed notifies) [IHOME_PAY_QUERY_AFTER]")
	flags.DurationVar(&payCfg.Timeout, "payment-timeout", envDuration("IHOME_PAYMENT_TIMEOUT", payment.DefaultTimeout), "longest call to the payment provider [IHOME_PAYMENT_TIMEOUT]")
	flags.StringVar(&payCfg.Alipay.AppId, "alipay-app-id", env("IHOME_ALIPAY_APP_ID", ""), "Alipay app id [IHOME_ALIPAY_APP_ID]")
	flags.StringVar(&payCfg.Alipay.PrivateKeyFile, "alipay-private-key-file", env("IHOME_ALIPAY_PRIVATE_KEY_FILE", ""), "file with the app's RSA2 private key [IHOME_ALIPAY_PRIVATE_KEY_FILE]")
	flags.StringVar(&payCfg.Alipay.PublicKeyFile, "alipay-public-key-file", env("IHOME_ALIPAY_PUBLIC_KEY_FILE", ""), "file with Alipay's public key (not the app's) [IHOME_ALIPAY_PUBLIC_KEY_FILE]")
	flags.StringVar(&payCfg.Alipay.Gateway, "alipay-gateway", env("IHOME_ALIPAY_GATEWAY", ""), "Alipay open API gateway URL (the sandbox's first) [IHOME_ALIPAY_GATEWAY]")
	flags.StringVar(&payCfg.Alipay.NotifyURL, "alipay-notify-url", env("IHOME_ALIPAY_NOTIFY_URL", ""), "public URL of /api/v1.0/payments/alipay/notify [IHOME_ALIPAY_NOTIFY_URL]")
	flags.StringVar(&payCfg.Alipay.ReturnURL, "alipay-return-url", env("IHOME_ALIPAY_RETURN_URL", ""), "public URL of /paycomplete.html [IHOME_ALIPAY_RETURN_URL]")
	// SMS vendor keys, sign names and template ids (docs/SMS.md)
	smsCfg.Flags(flags, env)
	flags.DurationVar(&notifyCfg.RetryBase, "notify-retry-base", envDuration("IHOME_NOTIFY_RETRY_BASE", notify.DefaultRetryBase), "wait after a text message failed, doubled at each failure [IHOME_NOTIFY_RETRY_BASE]")
	flags.DurationVar(&notifyCfg.RetryMax, "notify-retry-max", envDuration("IHOME_NOTIFY_RETRY_MAX", notify.DefaultRetryMax), "longest wait between two tries of a text message [IHOME_NOTIFY_RETRY_MAX]")
	flags.IntVar(&notifyCfg.MaxAttempts, "notify-max-attempts", envInt("IHOME_NOTIFY_MAX_ATTEMPTS", notify.DefaultMaxAttempts), "tries before a text message is given up (FAILED) [IHOME_NOTIFY_MAX_ATTEMPTS]")
	flags.StringVar(&notifyCfg.QuietHours, "notify-quiet-hours", env("IHOME_NOTIFY_QUIET_HOURS", notify.DefaultQuietHours), "HH:MM-HH:MM (server time zone) when text messages that can wait are held back, or off [IHOME_NOTIFY_QUIET_HOURS]")
	offsiteCfg := offsiteFlags(flags) // S3 files, backups, replication (cmd_offsite.go)
	// PocketBase's own flags and those of its commands (serve --http) are
	// not known yet: unknown flags pass, a bad value of ours stops here.
	if err := app.RootCmd.ParseFlags(os.Args[1:]); err != nil && !errors.Is(err, pflag.ErrHelp) {
		badConfig("%v", err)
	}

	loc, err := time.LoadLocation(*timezone)
	if err != nil {
		badConfig("--tz [IHOME_TZ] %q: %v", *timezone, err)
	}
	// a vendor must be configured whole, or the server does not start
	smsCfg.Provider, smsCfg.LogCollection = *smsProvider, auth.OutboxCollection
	smsSender, err := sms.New(smsCfg)
	if err != nil {
		badConfig("%v", err)
	}
	// a profile serves the operator's pages, never our embedded ones (API.md §9)
	legacyCfg := legacy.Config{Profile: *compat}
	if err := legacyCfg.Check(); err != nil {
		badConfig("%v", err)
	}
	if legacyCfg.Enabled() && *publicDir == "" {
		badConfig("--compat %s needs --publicDir: the front-end's own pages", *compat)
	}
	// the fake cashier is one of our embedded pages, which a profile never serves
	if legacyCfg.Enabled() && payCfg.Provider == payment.ProviderFake {
		badConfig("--compat %s cannot use --payment fake: its cashier page is one of ours; use --payment alipay (the sandbox) or none", *compat)
	}
	// a payment provider must be configured whole, or the server does not start
	if err := payCfg.Check(); err != nil {
		badConfig("%v", err)
	}

	jsvm.MustRegister(app, jsvm.Config{HooksDir: *hooksDir, HooksWatch: *hooksWatch})
	migratecmd.MustRegister(app, app.RootCmd, migratecmd.Config{TemplateLang: migratecmd.TemplateLangGo, Dir: "pb_migrations"})

	if _, err := modules.Register(app, modules.Config{
		Location: loc,
		Session:  session.Config{TTL: *sessionTTL, SecureCookies: *secureCookies},
		SMS:      smsSender,
		Auth:     authCfg,
		Order:    orderCfg,
		Payment:  payCfg,
		Calendar: calendarCfg,
		Notify:   notifyCfg,
		Media:    mediaCfg,
		Offsite:  *offsiteCfg,
		Legacy:   legacyCfg,
	}); err != nil {
		log.Fatal(err)
	}

	app.RootCmd.AddCommand(seedCommand(app), restoreCommand(app, offsiteCfg), backupCommand(app))

	public, err := publicFS(*publicDir)
	if err != nil {
		log.Fatal(err)
	}
	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
		Id: "ihome.static",
		Func: func(e *core.ServeEvent) error {
			if !e.Router.HasRoute(http.MethodGet, "/{path...}") {
				e.Router.GET("/{path...}", apis.Static(public, false))
			}
			return e.Next()
		},
		Priority: 999, // after every other route
	})

	// a soft memory limit makes the collector work harder before the
	// process grows, instead of letting the heap double under load
	debug.SetMemoryLimit(int64(envInt("IHOME_MEMORY_LIMIT_MB", 150)) << 20)

	if addr := os.Getenv("IHOME_PPROF"); addr != "" {
		// profiling on a separate, local-only listener, for diagnosing load
		go func() { log.Println(http.ListenAndServe(addr, pprofMux())) }()
	}

	if err := app.Start(); err != nil {
		log.Fatal(err)
	}
}

func publicFS(dir string) (fs.FS, error) {
	if dir != "" {
		return os.DirFS(dir), nil
	}
	return fs.Sub(embeddedPublic, "pb_public")
}
