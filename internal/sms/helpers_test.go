package sms_test

import (
	"io"
	"net/http"
	"strings"
)

func httpBody(s string) io.ReadCloser { return io.NopCloser(strings.NewReader(s)) }

func copyBody(w io.Writer, res *http.Response) (int64, error) { return io.Copy(w, res.Body) }
