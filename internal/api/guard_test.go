package api_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"ihome/internal/apptest"
)

// rawAnswer is a response to a request sent byte for byte.
type rawAnswer struct {
	status int
	header http.Header
	body   []byte
	errno  string
}

// sendRaw writes "METHOD target HTTP/1.1" on a fresh connection, so neither
// Go's client nor its URL type can clean the target first.
func sendRaw(t *testing.T, app *apptest.App, method, target string) rawAnswer {
	t.Helper()
	conn, err := net.Dial("tcp", app.Server.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(conn, method+" "+target+" HTTP/1.1\r\nHost: ihome.test\r\nConnection: close\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: method})
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := rawAnswer{status: res.StatusCode, header: res.Header, body: body}
	var env struct {
		Errno string `json:"errno"`
	}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") && json.Unmarshal(body, &env) == nil {
		a.errno = env.Errno
	}
	return a
}

// API.md §1.1: every answer under /api/v1.0 is an envelope, also for
// methods no route declares and for paths Go's ServeMux would clean with a
// redirect before any route runs.
func TestOddMethodsAndPathsAreEnveloped(t *testing.T) {
	app := apptest.New(t)
	cases := []struct {
		method, target string
		status         int
		errno          string
	}{
		{"TRACE", "/api/v1.0/session", http.StatusMethodNotAllowed, "4103"},
		{"PROPFIND", "/api/v1.0/session", http.StatusMethodNotAllowed, "4103"},
		{"BREW", "/api/v1.0/houses/1", http.StatusMethodNotAllowed, "4103"},
		{"CONNECT", "/api/v1.0/session", http.StatusMethodNotAllowed, "4103"},
		{"TRACE", "/api/v1.0/nope", http.StatusNotFound, "4002"},
		{"PROPFIND", "/api/v1.0", http.StatusNotFound, "4002"},
		{"OPTIONS", "/api/v1.0/session", http.StatusMethodNotAllowed, "4103"},
		{"GET", "/api/v1.0/houses/../session", http.StatusNotFound, "4002"},
		{"GET", "/api/v1.0//session", http.StatusNotFound, "4002"},
		{"GET", "/api/v1.0/./session", http.StatusNotFound, "4002"},
		{"GET", "/api/v1.0/session/.", http.StatusNotFound, "4002"},
		{"GET", "/api//v1.0/session", http.StatusNotFound, "4002"},
		{"GET", "/x/../api/v1.0/session", http.StatusNotFound, "4002"},
		{"GET", "/api/v1.0/../../index.html", http.StatusNotFound, "4002"},
		{"HEAD", "/api/v1.0//areas", http.StatusNotFound, ""},                  // HEAD has no body to carry the errno
		{"DELETE", "/api/v1.0/houses/../session", http.StatusNotFound, "4002"}, // routing answers before CSRF (issue 18)
		{"TRACE", "/api/v1.0//session", http.StatusNotFound, "4002"},
	}
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.target, func(t *testing.T) {
			a := sendRaw(t, app, tc.method, tc.target)
			if a.status != tc.status || a.errno != tc.errno {
				t.Fatalf("got %d %q, want %d %q: %s %s", a.status, a.errno, tc.status, tc.errno, a.header, a.body)
			}
			if !strings.HasPrefix(a.header.Get("Content-Type"), "application/json") {
				t.Fatalf("content type %q: %s", a.header.Get("Content-Type"), a.body)
			}
			if a.header.Get("Location") != "" {
				t.Fatalf("redirected to %q", a.header.Get("Location"))
			}
			// the answer went through the usual middlewares (API.md §1.3)
			if !strings.Contains(strings.Join(a.header.Values("Set-Cookie"), ";"), "csrf_token=") {
				t.Fatalf("no csrf_token cookie: %v", a.header)
			}
		})
	}

	t.Run("405 names the allowed methods", func(t *testing.T) {
		a := sendRaw(t, app, "TRACE", "/api/v1.0/session")
		if got := a.header.Get("Allow"); got != "GET, HEAD, POST, DELETE" {
			t.Fatalf("Allow %q", got)
		}
	})

	t.Run("clean API paths and the pages are untouched", func(t *testing.T) {
		if a := sendRaw(t, app, "GET", "/api/v1.0/areas"); a.status != http.StatusOK || a.errno != "0" {
			t.Fatalf("areas: %d %q", a.status, a.errno)
		}
		// outside /api/v1.0 Go's own redirect stays
		if a := sendRaw(t, app, "GET", "/x/../index.html"); a.status != http.StatusTemporaryRedirect {
			t.Fatalf("page path: %d %s", a.status, a.header)
		}
	})
}

// A request Guard routes to the catch-all is logged as the client sent it,
// with its errno (issue 11 items 16 and 18).
func TestOddRequestsAreLoggedAsSent(t *testing.T) {
	app := apptest.New(t)
	logs := watchRequestLogs(app)
	sendRaw(t, app, "TRACE", "/api/v1.0/session")
	sendRaw(t, app, "GET", "/api/v1.0//session")
	got := logs.waitFor(t, "TRACE /api/v1.0/session", "GET /api/v1.0//session")
	if e := logErrno(got["TRACE /api/v1.0/session"]); e != "4103" {
		t.Errorf("TRACE logged with errno %q", e)
	}
	if e := logErrno(got["GET /api/v1.0//session"]); e != "4002" {
		t.Errorf("GET //session logged with errno %q", e)
	}
	if l := got["GET /api/v1.0"]; l != nil {
		t.Errorf("logged as routed: %v", l.Data)
	}
}
