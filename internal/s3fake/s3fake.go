// Package s3fake serves the S3 protocol over real HTTP for tests:
// gofakes3 with an in-memory backend behind an httptest server, plus the
// check the real service makes first, an AWS Signature V4 made with the
// store's secret key. A request signed with other keys, or not signed,
// gets 403 SignatureDoesNotMatch / InvalidAccessKeyId, as on AWS S3,
// MinIO or Aliyun OSS.
//
// The server lives in the test process, so it outlives an ihome process
// the test kills.
package s3fake

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync/atomic"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"ihome/internal/offsite"
)

// Region and the keys every Server accepts.
const (
	Region    = "us-east-1"
	AccessKey = "IHOMETESTACCESSKEY"
	SecretKey = "ihome-test-secret-key-0123456789abcdef"
)

// Server is a running fake S3 store.
type Server struct {
	// URL is the endpoint, http://127.0.0.1:port (path-style addressing).
	URL string

	backend  *s3mem.Backend
	http     *httptest.Server
	down     atomic.Bool  // answer 503 to everything (Down/Up)
	requests atomic.Int64 // requests that passed the signature check
	refused  atomic.Int64 // requests refused for their signature
}

// New starts a server with the buckets made; it stops when t ends.
func New(t testing.TB, buckets ...string) *Server {
	t.Helper()
	s := &Server{backend: s3mem.New()}
	for _, b := range buckets {
		if err := s.backend.CreateBucket(b); err != nil {
			t.Fatalf("s3fake: bucket %s: %v", b, err)
		}
	}
	s.http = httptest.NewServer(s.handler(s.backend))
	s.URL = s.http.URL
	t.Cleanup(s.http.Close)
	return s
}

// Handler serves backend over the S3 protocol with the check of the
// signature (cmd/s3fake: a store in a directory, for make run-replicated).
func Handler(backend gofakes3.Backend) http.Handler {
	return (&Server{}).handler(backend)
}

func (s *Server) handler(backend gofakes3.Backend) http.Handler {
	return s.guard(gofakes3.New(backend, gofakes3.WithIntegrityCheck(true)).Server())
}

func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.down.Load() {
			writeError(w, http.StatusServiceUnavailable, "ServiceUnavailable", "the fake store is down")
			return
		}
		if code, msg := verifySignature(r, AccessKey, SecretKey); code != "" {
			s.refused.Add(1)
			writeError(w, http.StatusForbidden, code, msg)
			return
		}
		s.requests.Add(1)
		next.ServeHTTP(w, r)
	})
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>%s</Message></Error>`, code, msg)
}

// Down makes the store answer 503 to every request until Up.
func (s *Server) Down() { s.down.Store(true) }

// Up ends Down.
func (s *Server) Up() { s.down.Store(false) }

// Requests counts the requests served (signature accepted).
func (s *Server) Requests() int64 { return s.requests.Load() }

// Refused counts the requests refused for a missing or wrong signature.
func (s *Server) Refused() int64 { return s.refused.Load() }

// Keys lists the keys in bucket under prefix, sorted.
func (s *Server) Keys(t testing.TB, bucket, prefix string) []string {
	t.Helper()
	p := gofakes3.NewPrefix(&prefix, nil)
	var keys []string
	page := gofakes3.ListBucketPage{}
	for {
		list, err := s.backend.ListBucket(bucket, &p, page)
		if err != nil {
			t.Fatalf("s3fake: list %s/%s: %v", bucket, prefix, err)
		}
		for _, c := range list.Contents {
			keys = append(keys, c.Key)
		}
		if !list.IsTruncated || list.NextMarker == "" {
			break
		}
		page = gofakes3.ListBucketPage{Marker: list.NextMarker, HasMarker: true}
	}
	sort.Strings(keys)
	return keys
}

// Object returns the content of bucket/key, or false when there is none.
func (s *Server) Object(t testing.TB, bucket, key string) ([]byte, bool) {
	t.Helper()
	obj, err := s.backend.GetObject(bucket, key, nil)
	if gofakes3.HasErrorCode(err, gofakes3.ErrNoSuchKey) {
		return nil, false
	}
	if err != nil {
		t.Fatalf("s3fake: get %s/%s: %v", bucket, key, err)
	}
	defer obj.Contents.Close()
	var b bytes.Buffer
	if _, err := io.Copy(&b, obj.Contents); err != nil {
		t.Fatalf("s3fake: read %s/%s: %v", bucket, key, err)
	}
	return b.Bytes(), true
}

// Put stores data as bucket/key, as another client of the store would.
func (s *Server) Put(t testing.TB, bucket, key string, data []byte) {
	t.Helper()
	if _, err := s.backend.PutObject(bucket, key, map[string]string{}, bytes.NewReader(data), int64(len(data)), nil); err != nil {
		t.Fatalf("s3fake: put %s/%s: %v", bucket, key, err)
	}
}

// Store is the server as iHome's configuration names a store.
func (s *Server) Store() offsite.Store {
	return offsite.Store{Endpoint: s.URL, Region: Region, AccessKey: AccessKey, Secret: SecretKey, PathStyle: true}
}
