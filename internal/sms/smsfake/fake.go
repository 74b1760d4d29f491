// Package smsfake runs local fakes of the SMS vendors' HTTP APIs (Aliyun
// dysmsapi SendSms, Tencent Cloud SMS SendSms) for tests, over real HTTP.
// Like the real services they verify each request's signature
// (ACS3-HMAC-SHA256, TC3-HMAC-SHA256: implemented here from the vendors'
// published algorithms, independently of their SDKs), the sign name, the
// template id and its parameters; they record what they delivered by
// idempotency key, and answer, on demand, each failure the vendors
// document (throttled, bad number, bad signature, template not approved,
// a server fault) or no answer at all.
package smsfake

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"ihome/internal/sms"
)

// Mode is how a fake answers a well-formed, well-signed request.
type Mode int

// Modes.
const (
	OK                  Mode = iota // deliver
	Throttled                       // a frequency limit
	BadNumber                       // the number is refused
	BadSignature                    // the signature is refused (as if the secret were wrong)
	TemplateNotApproved             // the template is not approved
	ServerError                     // HTTP 500
	Timeout                         // no answer until the client gives up
)

// Delivery is one message a fake accepted.
type Delivery struct {
	Mobile     string            // 11 digits
	Template   string            // our template name (sms.TemplateOrderNew…)
	TemplateId string            // the vendor's id
	Params     map[string]string // by our parameter names
	Key        string            // the idempotency key (OutId, SessionContext)
	SignName   string
}

// Refusal is a request a fake refused, with the vendor code it answered.
type Refusal struct {
	Code   string
	Detail string
}

// fake is the state both vendors' fakes share.
type fake struct {
	t      testing.TB
	server *httptest.Server
	closed chan struct{}

	mu         sync.Mutex
	mode       Mode
	left       int // requests still answered with mode; < 0: all
	requests   int
	deliveries []Delivery
	refusals   []Refusal
	nonces     map[string]bool
	changed    chan struct{} // closed and replaced on every request
	// templates maps a vendor template id to our template.
	templates map[string]sms.Template
	ids       map[string]string // our template name → vendor id
}

func newFake(t testing.TB, prefix string, handler func(*fake, http.ResponseWriter, *http.Request)) *fake {
	f := &fake{t: t, closed: make(chan struct{}), nonces: map[string]bool{}, changed: make(chan struct{}),
		templates: map[string]sms.Template{}, ids: map[string]string{}}
	for i, tpl := range sms.Templates() {
		id := prefix + string(rune('0'+i/10)) + string(rune('0'+i%10))
		f.templates[id] = tpl
		f.ids[tpl.Name] = id
	}
	f.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler(f, w, r) }))
	t.Cleanup(f.close)
	return f
}

func (f *fake) close() {
	select {
	case <-f.closed:
	default:
		close(f.closed)
	}
	f.server.Close()
}

// URL is the fake's endpoint, for the provider's endpoint override.
func (f *fake) URL() string { return f.server.URL }

// Fail makes the next n requests answer mode (n < 0: every request until
// the next call); Fail(OK, 0) restores normal service.
func (f *fake) Fail(mode Mode, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mode, f.left = mode, n
}

// nextMode is the mode for the request being served.
func (f *fake) nextMode() Mode {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests++
	if f.left == 0 {
		return OK
	}
	if f.left > 0 {
		f.left--
	}
	return f.mode
}

func (f *fake) deliver(d Delivery) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deliveries = append(f.deliveries, d)
	f.signal()
}

func (f *fake) refuse(code, detail string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refusals = append(f.refusals, Refusal{Code: code, Detail: detail})
	f.signal()
}

// signal wakes the waiters; f.mu is held.
func (f *fake) signal() {
	close(f.changed)
	f.changed = make(chan struct{})
}

// useNonce reports whether nonce is fresh, and spends it.
func (f *fake) useNonce(nonce string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.nonces[nonce] {
		return false
	}
	f.nonces[nonce] = true
	return true
}

// Deliveries returns a copy of what the fake delivered, in order.
func (f *fake) Deliveries() []Delivery {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Delivery(nil), f.deliveries...)
}

// Refusals returns a copy of the requests the fake refused.
func (f *fake) Refusals() []Refusal {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Refusal(nil), f.refusals...)
}

// Requests counts the requests the fake answered or is answering.
func (f *fake) Requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

// Count is how many times the message with idempotency key was delivered.
func (f *fake) Count(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, d := range f.deliveries {
		if d.Key == key {
			n++
		}
	}
	return n
}

// Await waits until ready (called under no lock) holds, re-checking after
// each delivery or refusal, for at most timeout; it reports whether ready
// held. For tests that drive a separate server process, which cannot be
// told to report back otherwise.
func (f *fake) Await(timeout time.Duration, ready func() bool) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		f.mu.Lock()
		ch := f.changed
		f.mu.Unlock()
		if ready() {
			return true
		}
		select {
		case <-ch:
		case <-deadline.C:
			return ready()
		}
	}
}

// hang keeps a request unanswered until its client gives up or the fake closes.
func (f *fake) hang(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-f.closed:
	}
}

func randomId() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
