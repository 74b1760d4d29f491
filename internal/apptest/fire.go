package apptest

import "sync"

// Fire runs n requests at once: every goroutine waits on one barrier, so
// the requests really overlap; it returns their answers in order.
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
	return out
}
