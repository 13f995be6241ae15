package stscred

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// TestCacheAnswersBeforeDeadlineWhileSTSHangs: STS hangs and 20 new prefixes are asked at once.
// Every Get fails with errUnavailable answerBefore the request's deadline (fake clock of synctest),
// and the 20 fetches run at the same time: none waits on another's call.
func TestCacheAnswersBeforeDeadlineWhileSTSHangs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var inFetch atomic.Int64
		c := &Cache{Fetch: func(ctx context.Context, prefix string) (Token, error) {
			inFetch.Add(1)
			<-ctx.Done() // a hanging STS: only the fetch's own timeout ends it
			return Token{}, &Error{Code: "Timeout", Retryable: true, Err: ctx.Err()}
		}, FetchTimeout: 30 * time.Second}
		const users, timeout = 20, 10 * time.Second
		type result struct {
			err      error
			at, dead time.Time
		}
		results := make(chan result, users)
		for i := range users {
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), timeout)
				defer cancel()
				dl, _ := ctx.Deadline()
				_, err := c.Get(ctx, fmt.Sprintf("uploads/u%d/", i))
				results <- result{err: err, at: time.Now(), dead: dl}
			}()
		}
		synctest.Wait()
		if n := inFetch.Load(); n != users {
			t.Errorf("%d fetches in flight before any answer; want %d (one per prefix, in parallel)", n, users)
		}
		for range users {
			r := <-results
			if !errors.Is(r.err, errUnavailable) {
				t.Errorf("Get: %v; want ErrUnavailable", r.err)
			}
			if left := r.dead.Sub(r.at); left < time.Second {
				t.Errorf("answered %v before the deadline; want at least 1 s (answerBefore)", left)
			}
		}
		time.Sleep(c.FetchTimeout) // fake time: let the hanging fetches reach their own timeout
		synctest.Wait()
	})
}

// TestAssumeRoleCallsRunInParallel: 20 AssumeRole calls reach a hanging STS at the same time: the
// client holds no lock across a call. The server releases them only once all 20 have arrived; a
// client that serialised calls would see its first call time out before the second arrived.
func TestAssumeRoleCallsRunInParallel(t *testing.T) {
	t.Parallel()
	const n = 20
	var arrived atomic.Int64
	all := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if arrived.Add(1) == n {
			close(all)
		}
		select {
		case <-all:
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"RequestId":"r","Code":"Throttling.User","Message":"Request was denied due to user flow control."}`)
	}))
	defer srv.Close()
	c, err := NewClient(ClientOptions{RoleARN: testRole, Endpoint: srv.URL, ReadTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.AssumeRole(context.Background(), caller, input(t))
			select {
			case <-all:
			default:
				t.Errorf("a call returned (%v) before all %d had reached STS: calls are serialised", err, n)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		var se *Error
		if !errors.As(err, &se) || se.Code != "Throttling.User" {
			t.Errorf("AssumeRole: %v; want the Throttling.User answer", err)
		}
	}
}
