package s3fake_test

import (
	"testing"

	"github.com/pocketbase/pocketbase/tools/filesystem"

	"ihome/internal/s3fake"
)

// TestSignatureIsChecked: the fake refuses what S3 refuses, a request
// signed with a wrong secret or an unknown access key, and serves one
// signed with the store's keys.
func TestSignatureIsChecked(t *testing.T) {
	s := s3fake.New(t, "b")
	for _, c := range []struct {
		name, access, secret string
		ok                   bool
	}{
		{"right keys", s3fake.AccessKey, s3fake.SecretKey, true},
		{"wrong secret", s3fake.AccessKey, "not-the-secret", false},
		{"unknown access key", "SOMEONEELSE", s3fake.SecretKey, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			fsys, err := filesystem.NewS3("b", s3fake.Region, s.URL, c.access, c.secret, true)
			if err != nil {
				t.Fatal(err)
			}
			defer fsys.Close()
			refused := s.Refused()
			err = fsys.Upload([]byte("hello"), "k/"+c.name)
			if c.ok != (err == nil) || c.ok != (s.Refused() == refused) {
				t.Fatalf("upload: %v (refused %d → %d)", err, refused, s.Refused())
			}
			data, found := s.Object(t, "b", "k/"+c.name)
			if found != c.ok || (c.ok && string(data) != "hello") {
				t.Fatalf("stored %q (%v)", data, found)
			}
		})
	}
}
