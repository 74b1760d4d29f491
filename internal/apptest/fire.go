package apptest

import (
	"errors"
	"sync"
	"time"

	"github.com/pocketbase/dbx"
)

// Fire runs n requests at once: every goroutine waits on one barrier, so
// the requests really overlap; it returns their answers in order.
//
// request runs on its own goroutine: it must not call t.Fatal or
// t.FailNow (Client's methods never do; Response.Expect, OK and Decode
// do, so check the answers after Fire returns). An answer that never came
// back is a Response with Err set, never nil.
func Fire(n int, request func(i int) *Response) []*Response {
	out := make([]*Response, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out[i] = request(i)
		}()
	}
	close(start)
	wg.Wait()
	for i, r := range out {
		if r == nil {
			out[i] = &Response{Err: errors.New("the request goroutine returned no answer (t.Fatal on a goroutine?)")}
		}
	}
	return out
}

// WriterWaits is how many times so far a write has had to wait for the
// database's one writer connection (PocketBase funnels every write and
// transaction through it). A test that holds a write open reads it before,
// then AwaitWriterWait knows when another request has queued behind.
func (a *App) WriterWaits() int64 {
	a.t.Helper()
	db, ok := a.NonconcurrentDB().(*dbx.DB)
	if !ok {
		a.t.Fatalf("the writer connection is a %T", a.NonconcurrentDB())
	}
	return db.DB().Stats().WaitCount
}

// AwaitWriterWait blocks until WriterWaits exceeds before (some request
// is waiting for the writer connection) or until done is closed; it
// reports which. It watches database/sql's own counter: that wait is not
// announced any other way. It gives up, failing the test, after a minute.
func (a *App) AwaitWriterWait(before int64, done <-chan struct{}) (queued bool) {
	a.t.Helper()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	limit := time.After(time.Minute)
	for {
		if a.WriterWaits() > before {
			return true
		}
		select {
		case <-done:
			return false
		case <-limit:
			a.t.Fatalf("no request queued for the writer connection within a minute")
			return false
		case <-tick.C:
		}
	}
}
