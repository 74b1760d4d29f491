// Command ihome is the iHome home-rental service: PocketBase used as a
// framework, with the /api/v1.0 modules, the web pages and the migrations
// compiled in, so the binary alone is deployable.
package main

import (
	"embed"
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

	"ihome/internal/session"
	"ihome/modules"
	"ihome/modules/auth"
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
		DBConnect:        connectDB,
	})
	flags := app.RootCmd.PersistentFlags()

	var (
		publicDir   = flags.String("publicDir", "", "serve the web pages from this directory instead of the embedded copy")
		hooksDir    = flags.String("hooksDir", "", "the directory with the JS hooks (default pb_data/../pb_hooks)")
		hooksWatch  = flags.Bool("hooksWatch", false, "restart when a pb_hooks file changes")
		timezone    = flags.String("tz", env("IHOME_TZ", "Asia/Shanghai"), "time zone of calendar dates [IHOME_TZ]")
		sessionTTL  = flags.Duration("session-ttl", envDuration("IHOME_SESSION_TTL", 7*24*time.Hour), "session lifetime [IHOME_SESSION_TTL]")
		smsProvider = flags.String("sms-provider", env("IHOME_SMS_PROVIDER", "log"), "SMS provider: log [IHOME_SMS_PROVIDER]")
		authCfg     auth.Config
	)
	flags.DurationVar(&authCfg.CaptchaTTL, "captcha-ttl", envDuration("IHOME_CAPTCHA_TTL", 180*time.Second), "image captcha lifetime [IHOME_CAPTCHA_TTL]")
	flags.DurationVar(&authCfg.SMSCodeTTL, "sms-code-ttl", envDuration("IHOME_SMS_CODE_TTL", 300*time.Second), "SMS code lifetime [IHOME_SMS_CODE_TTL]")
	flags.DurationVar(&authCfg.SMSResendInterval, "sms-resend-interval", envDuration("IHOME_SMS_RESEND_INTERVAL", 60*time.Second), "minimum time between two codes to one mobile [IHOME_SMS_RESEND_INTERVAL]")
	flags.IntVar(&authCfg.SMSDailyLimit, "sms-daily-limit", envInt("IHOME_SMS_DAILY_LIMIT", 10), "codes a mobile may get a day [IHOME_SMS_DAILY_LIMIT]")
	flags.IntVar(&authCfg.SMSHourlyPerIP, "sms-hourly-per-ip", envInt("IHOME_SMS_HOURLY_PER_IP", 20), "codes one IP may request an hour [IHOME_SMS_HOURLY_PER_IP]")
	flags.IntVar(&authCfg.SMSMaxTries, "sms-max-tries", envInt("IHOME_SMS_MAX_TRIES", 5), "wrong tries that kill an SMS code [IHOME_SMS_MAX_TRIES]")
	flags.IntVar(&authCfg.LoginMaxFailures, "login-max-failures", envInt("IHOME_LOGIN_MAX_FAILURES", 5), "failed logins before lock-out [IHOME_LOGIN_MAX_FAILURES]")
	flags.DurationVar(&authCfg.LoginWindow, "login-window", envDuration("IHOME_LOGIN_WINDOW", 10*time.Minute), "failure window and lock-out time [IHOME_LOGIN_WINDOW]")
	_ = app.RootCmd.ParseFlags(os.Args[1:])

	loc, err := time.LoadLocation(*timezone)
	if err != nil {
		log.Fatalf("--tz: %v", err)
	}
	switch *smsProvider {
	case "log":
		authCfg.SMS = auth.LogProvider{}
	default:
		log.Fatalf("--sms-provider: unknown provider %q", *smsProvider)
	}

	jsvm.MustRegister(app, jsvm.Config{HooksDir: *hooksDir, HooksWatch: *hooksWatch})
	migratecmd.MustRegister(app, app.RootCmd, migratecmd.Config{TemplateLang: migratecmd.TemplateLangGo, Dir: "pb_migrations"})

	if _, err := modules.Register(app, modules.Config{
		Location: loc,
		Session:  session.Config{TTL: *sessionTTL},
		Auth:     authCfg,
	}); err != nil {
		log.Fatal(err)
	}

	app.RootCmd.AddCommand(seedCommand(app))

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
