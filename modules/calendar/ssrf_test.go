package calendar

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"
)

func TestPublicAddr(t *testing.T) {
	for addr, public := range map[string]bool{
		"8.8.8.8": true, "2001:4860:4860::8888": true, "114.114.114.114": true,
		"127.0.0.1": false, "::1": false, "10.1.2.3": false, "172.16.0.1": false, "192.168.1.1": false,
		"169.254.169.254": false, "fe80::1": false, "fc00::1": false, "fd12::1": false, "100.64.0.1": false,
		"0.0.0.0": false, "::": false, "224.0.0.1": false, "::ffff:127.0.0.1": false, "::ffff:10.0.0.1": false,
	} {
		if got := publicAddr(netip.MustParseAddr(addr)); got != public {
			t.Errorf("publicAddr(%s) = %v, want %v", addr, got, public)
		}
	}
}

// TestRedirectToPrivateRefused: the guard checks every connection, so a
// feed that redirects to a private address is refused at the redirect. In
// this test 127.0.0.2 stands for a public address.
func TestRedirectToPrivateRefused(t *testing.T) {
	private := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("the private server was reached")
	}))
	defer private.Close()
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	public := httptest.NewUnstartedServer(http.RedirectHandler(private.URL+"/cal.ics", http.StatusFound))
	public.Listener.Close()
	public.Listener = ln
	public.Start()
	defer public.Close()

	client := feedClient(func(a netip.Addr) bool { return a == netip.MustParseAddr("127.0.0.2") }, time.Second)
	_, err = fetchFeed(context.Background(), client, public.URL+"/cal.ics", time.UTC, 0)
	if !errors.Is(err, errPrivate) {
		t.Fatalf("redirect to a private address: %v, want errPrivate", err)
	}
}
