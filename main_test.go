package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// runMainEnv makes the test binary run main() instead of the tests, with
// the arguments in runMainArgs (one a line): a test runs the program as a
// separate process and reads its exit status and output.
const (
	runMainEnv  = "IHOME_TEST_RUN_MAIN"
	runMainArgs = "IHOME_TEST_MAIN_ARGS"
)

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		os.Args = append([]string{"ihome"}, strings.Split(os.Getenv(runMainArgs), "\n")...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runMain runs the program with args and the extra environment env, in an
// empty directory, and returns its exit code and standard error.
func runMain(t *testing.T, env []string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Dir = t.TempDir()
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "IHOME_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, runMainEnv+"=1", runMainArgs+"="+strings.Join(args, "\n"))
	cmd.Env = append(cmd.Env, env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, stderr.String()
	case errors.As(err, &exit):
		return exit.ExitCode(), stderr.String()
	}
	t.Fatalf("run: %v", err)
	return 0, ""
}

// Bad configuration stops start-up with a message that names the setting
// and its value, instead of running on a default (issue 11 item 19). Each
// run asks for --version, which exits 0 at once when the configuration is
// accepted.
func TestBadConfigurationStopsStartUp(t *testing.T) {
	t.Parallel()
	if code, stderr := runMain(t, nil, "--version"); code != 0 {
		t.Fatalf("a good configuration: exit %d: %s", code, stderr)
	}
	cases := []struct {
		name string
		env  []string
		args []string
		want []string // in the message
	}{
		{"integer variable", []string{"IHOME_SMS_DAILY_LIMIT=ten"}, nil, []string{"IHOME_SMS_DAILY_LIMIT", `"ten"`}},
		{"duration variable", []string{"IHOME_SESSION_TTL=7days"}, nil, []string{"IHOME_SESSION_TTL", `"7days"`}},
		{"database variable", []string{"IHOME_DB_MAX_CONNS=four"}, nil, []string{"IHOME_DB_MAX_CONNS", `"four"`}},
		{"cache variable", []string{"IHOME_DB_CACHE_KB=2MB"}, nil, []string{"IHOME_DB_CACHE_KB", `"2MB"`}},
		{"memory variable", []string{"IHOME_MEMORY_LIMIT_MB=150M"}, nil, []string{"IHOME_MEMORY_LIMIT_MB", `"150M"`}},
		{"time zone variable", []string{"IHOME_TZ=Mars/Olympus"}, nil, []string{"IHOME_TZ", "Mars/Olympus"}},
		{"integer flag", nil, []string{"--sms-daily-limit=ten"}, []string{"--sms-daily-limit", `"ten"`}},
		{"duration flag", nil, []string{"--login-window", "forever"}, []string{"--login-window", `"forever"`}},
		{"flag without its value", nil, []string{"--captcha-ttl"}, []string{"--captcha-ttl"}},
		{"unknown front-end profile", []string{"IHOME_COMPAT=django"}, nil, []string{"IHOME_COMPAT", `"django"`}},
		{"profile without the pages", nil, []string{"--compat", "flask"}, []string{"--compat flask", "--publicDir"}},
		{"profile with the fake cashier", nil, []string{"--compat", "gocourse", "--publicDir", ".", "--payment", "fake"}, []string{"--compat gocourse", "--payment fake"}},
		{"unknown payment provider", []string{"IHOME_PAYMENT=paypal"}, nil, []string{"IHOME_PAYMENT", `"paypal"`}},
		{"half-configured Alipay", []string{"IHOME_ALIPAY_APP_ID=2021000000000001"}, []string{"--payment", "alipay"},
			[]string{"--alipay-private-key-file", "--alipay-public-key-file", "--alipay-gateway", "--alipay-notify-url", "--alipay-return-url"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, stderr := runMain(t, tc.env, append([]string{"--version"}, tc.args...)...)
			if code == 0 {
				t.Fatalf("started with %v %v: %s", tc.env, tc.args, stderr)
			}
			for _, w := range append(tc.want, "bad configuration") {
				if !strings.Contains(stderr, w) {
					t.Fatalf("exit %d, message %q does not name %s", code, stderr, w)
				}
			}
		})
	}
}
