package apptest

import (
	"net/http"
	"testing"
)

func BenchmarkCheckResponse(b *testing.B) {
	ct, _ := LoadContract()
	req, _ := http.NewRequest("PUT", "http://x/api/v1.0/orders/comment", nil)
	h := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	body := []byte(`{"errno":"4103","errmsg":"参数错误: body"}`)
	for b.Loop() {
		x := ct.CheckRequest(req, true)
		if p := x.CheckResponse(200, h, body); len(p) > 0 {
			b.Fatal(p)
		}
	}
}

func BenchmarkLoadContract(b *testing.B) {
	for b.Loop() {
		if _, err := LoadContract(); err != nil {
			b.Fatal(err)
		}
	}
}
