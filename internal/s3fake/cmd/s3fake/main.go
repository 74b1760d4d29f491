// Command s3fake serves an S3-compatible store kept in a directory, to try
// iHome's replicated set-up without a cloud account (make run-replicated).
// It accepts only requests signed with s3fake's fixed keys (s3fake.AccessKey,
// s3fake.SecretKey, region us-east-1) and addresses buckets path-style.
// A store for development and tests, not for data that matters.
package main

import (
	"flag"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3afero"

	"ihome/internal/s3fake"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "listen address")
	dir := flag.String("dir", "pb_s3", "directory that keeps the buckets")
	buckets := flag.String("buckets", "ihome-files,ihome-backups", "buckets to make, comma-separated")
	ping := flag.Bool("ping", false, "only check that a store answers at --addr (exit status 0 or 1)")
	flag.Parse()
	if *ping {
		conn, err := net.DialTimeout("tcp", *addr, time.Second)
		if err != nil {
			os.Exit(1)
		}
		conn.Close()
		return
	}

	fs, err := s3afero.FsPath(*dir, s3afero.FsPathCreateAll)
	if err != nil {
		log.Fatal(err)
	}
	backend, err := s3afero.MultiBucket(fs)
	if err != nil {
		log.Fatal(err)
	}
	for _, b := range strings.Split(*buckets, ",") {
		if ok, err := backend.BucketExists(b); err != nil {
			log.Fatal(err)
		} else if !ok {
			if err := backend.CreateBucket(b); err != nil {
				log.Fatal(err)
			}
		}
	}
	log.Printf("s3fake: http://%s, buckets %s in %s, access key %s", *addr, *buckets, *dir, s3fake.AccessKey)
	log.Fatal(http.ListenAndServe(*addr, s3fake.Handler(dirBackend{backend})))
}

// dirBackend answers a listing under a prefix that holds no object with an
// empty list, as S3 does; s3afero answers NoSuchBucket (Litestream's
// restore lists such a prefix first).
type dirBackend struct{ *s3afero.MultiBucketBackend }

func (b dirBackend) ListBucket(name string, prefix *gofakes3.Prefix, page gofakes3.ListBucketPage) (*gofakes3.ObjectList, error) {
	list, err := b.MultiBucketBackend.ListBucket(name, prefix, page)
	if gofakes3.HasErrorCode(err, gofakes3.ErrNoSuchBucket) {
		if ok, _ := b.BucketExists(name); ok {
			return gofakes3.NewObjectList(), nil
		}
	}
	return list, err
}
