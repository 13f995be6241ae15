package stscred

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/shared/ossauth"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func newClock() *clock { return &clock{t: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)} }

// fakeFetch issues hour-long tokens numbered by call, optionally failing per a script.
type fakeFetch struct {
	clk   *clock
	n     atomic.Int64
	fail  func(call int64) error
	delay chan struct{} // when non-nil, each fetch waits for a receive
}

func (f *fakeFetch) fetch(ctx context.Context, prefix string) (Token, error) {
	n := f.n.Add(1)
	if f.delay != nil {
		select {
		case <-f.delay:
		case <-ctx.Done():
			return Token{}, ctx.Err()
		}
	}
	if f.fail != nil {
		if err := f.fail(n); err != nil {
			return Token{}, err
		}
	}
	return Token{
		Credentials: ossauth.Credentials{AccessKeyID: fmt.Sprintf("STS.%s.%d", prefix, n), AccessKeySecret: "s", SecurityToken: "t"},
		Expiration:  f.clk.Now().Add(time.Hour),
	}, nil
}

func newCache(f *fakeFetch) *Cache {
	return &Cache{Fetch: f.fetch, Now: f.clk.Now, Rand: func() float64 { return 0 }}
}

func TestCacheOneFetchUnderConcurrency(t *testing.T) {
	t.Parallel()
	f := &fakeFetch{clk: newClock(), delay: make(chan struct{})}
	c := newCache(f)
	var wg sync.WaitGroup
	ids := make(chan string, 200)
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := c.Get(context.Background(), "uploads/")
			if err != nil {
				t.Error(err)
				return
			}
			ids <- tok.Credentials.AccessKeyID
		}()
	}
	// Let exactly one fetch finish; every waiter must share it.
	f.delay <- struct{}{}
	wg.Wait()
	close(ids)
	for id := range ids {
		if id != "STS.uploads/.1" {
			t.Fatalf("got %s, want the one fetched token", id)
		}
	}
	if n := f.n.Load(); n != 1 {
		t.Fatalf("Fetch called %d times, want 1", n)
	}
}

func TestCacheRefreshesEarlyWithoutBlocking(t *testing.T) {
	t.Parallel()
	// In a synctest bubble, synctest.Wait returns once the background refresh has finished (every
	// other goroutine of the bubble has exited or is durably blocked): no polling.
	synctest.Test(t, func(t *testing.T) {
		f := &fakeFetch{clk: newClock()}
		c := newCache(f)
		ctx := context.Background()
		first, err := c.Get(ctx, "p/")
		if err != nil {
			t.Fatal(err)
		}
		f.clk.Add(45 * time.Minute) // 15 min left: fresh enough, no refresh yet
		tok, _ := c.Get(ctx, "p/")
		synctest.Wait() // a refresh, had one started, would have called Fetch by now
		if tok != first || f.n.Load() != 1 {
			t.Fatalf("refreshed too early: %v calls", f.n.Load())
		}
		f.delay = make(chan struct{})
		f.clk.Add(6 * time.Minute) // 9 min left: inside the 10 min refresh window
		tok, err = c.Get(ctx, "p/")
		if err != nil || tok != first {
			t.Fatalf("stale-while-refresh returned %v, %v; want the cached token at once", tok, err)
		}
		synctest.Wait() // the refresh is in flight, blocked in Fetch
		if tok, _ := c.Get(ctx, "p/"); tok != first || f.n.Load() != 2 {
			t.Fatalf("during the refresh got %s with %d calls; want the cached token and one refresh", tok.Credentials.AccessKeyID, f.n.Load())
		}
		f.delay <- struct{}{} // the background refresh completes
		synctest.Wait()
		tok, _ = c.Get(ctx, "p/")
		if tok.Credentials.AccessKeyID != "STS.p/.2" || f.n.Load() != 2 {
			t.Fatalf("after refresh got %s with %d calls", tok.Credentials.AccessKeyID, f.n.Load())
		}
	})
}

func TestCacheNeverHandsOutNearlyExpired(t *testing.T) {
	t.Parallel()
	f := &fakeFetch{clk: newClock()}
	c := newCache(f)
	ctx := context.Background()
	if _, err := c.Get(ctx, "p/"); err != nil {
		t.Fatal(err)
	}
	// STS is down from now on; the cached token is served while more than 5 minutes are left.
	f.fail = func(int64) error { return &Error{Code: "Throttling.User", StatusCode: 400, Retryable: true} }
	c.FetchTimeout = 50 * time.Millisecond
	f.clk.Add(54 * time.Minute)
	if tok, err := c.Get(ctx, "p/"); err != nil || tok.Credentials.AccessKeyID != "STS.p/.1" {
		t.Fatalf("with 6 min left got %v, %v; want the cached token", tok, err)
	}
	f.clk.Add(2 * time.Minute) // 4 min left: must not be handed out
	waitCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err := c.Get(waitCtx, "p/")
	if !errors.Is(err, errUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	var se *Error
	if !errors.As(err, &se) || se.Code != "Throttling.User" {
		t.Fatalf("err = %v, want the STS cause", err)
	}
}

func TestCacheRetriesRetryableOnly(t *testing.T) {
	t.Parallel()
	t.Run("retryable then success", func(t *testing.T) {
		f := &fakeFetch{clk: newClock(), fail: func(n int64) error {
			if n < 3 {
				return &Error{Code: "InternalError", StatusCode: 500, Retryable: true}
			}
			return nil
		}}
		tok, err := newCache(f).Get(context.Background(), "p/")
		if err != nil || tok.Credentials.AccessKeyID != "STS.p/.3" {
			t.Fatalf("got %v, %v", tok, err)
		}
	})
	t.Run("permanent error is not retried and is remembered briefly", func(t *testing.T) {
		f := &fakeFetch{clk: newClock(), fail: func(int64) error { return &Error{Code: "NoPermission", StatusCode: 403} }}
		c := newCache(f)
		for i := 0; i < 3; i++ {
			if _, err := c.Get(context.Background(), "p/"); !errors.Is(err, errUnavailable) {
				t.Fatalf("err = %v", err)
			}
		}
		if n := f.n.Load(); n != 1 {
			t.Fatalf("Fetch called %d times within the failure backoff, want 1", n)
		}
		f.clk.Add(2 * time.Second)
		c.Get(context.Background(), "p/")
		if n := f.n.Load(); n != 2 {
			t.Fatalf("Fetch called %d times after the backoff, want 2", n)
		}
	})
}

func TestCacheRespectsCallerDeadline(t *testing.T) {
	t.Parallel()
	f := &fakeFetch{clk: newClock(), delay: make(chan struct{})}
	c := newCache(f)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := c.Get(ctx, "p/"); !errors.Is(err, errUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	close(f.delay)
}

func TestCachePerPrefix(t *testing.T) {
	t.Parallel()
	f := &fakeFetch{clk: newClock()}
	c := newCache(f)
	c.MaxEntries = 2
	a, _ := c.Get(context.Background(), "u/a/")
	b, _ := c.Get(context.Background(), "u/b/")
	if a.Credentials.AccessKeyID == b.Credentials.AccessKeyID {
		t.Fatal("prefixes share credentials")
	}
	c.Get(context.Background(), "u/c/")
	c.mu.Lock()
	n := len(c.entries)
	c.mu.Unlock()
	if n > 2 {
		t.Fatalf("%d entries, want at most 2", n)
	}
}

func TestSessionPolicy(t *testing.T) {
	t.Parallel()
	p, err := sessionPolicy("examplebucket", "uploads/alice/")
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:PutObject","oss:AbortMultipartUpload","oss:ListParts"],"Resource":["acs:oss:*:*:examplebucket/uploads/alice/*"]}]}`
	if p != want {
		t.Errorf("policy\n got %s\nwant %s", p, want)
	}
	if _, err := sessionPolicy("b", string(make([]byte, 2000))); err == nil {
		t.Error("oversize policy accepted")
	}
}

func TestCacheRefusesShortLivedTokens(t *testing.T) {
	t.Parallel()
	clk := newClock()
	c := &Cache{Now: clk.Now, Rand: func() float64 { return 0 }, FetchTimeout: 100 * time.Millisecond, Fetch: func(context.Context, string) (Token, error) {
		return Token{Credentials: ossauth.Credentials{AccessKeyID: "STS.short", AccessKeySecret: "s", SecurityToken: "t"}, Expiration: clk.Now().Add(time.Minute)}, nil
	}}
	_, err := c.Get(context.Background(), "p/")
	var se *Error
	if !errors.Is(err, errUnavailable) || !errors.As(err, &se) || se.Code != "ShortLived" {
		t.Fatalf("err = %v, want a ShortLived refusal", err)
	}
}

func TestCacheRefreshWindowForShortestSTSLifetime(t *testing.T) {
	t.Parallel()
	f := &fakeFetch{clk: newClock()}
	c := &Cache{Now: f.clk.Now, Rand: func() float64 { return 0 }, Fetch: func(ctx context.Context, p string) (Token, error) {
		tok, err := f.fetch(ctx, p)
		tok.Expiration = f.clk.Now().Add(900 * time.Second) // STS's minimum DurationSeconds
		return tok, err
	}}
	first, _ := c.Get(context.Background(), "p/")
	f.clk.Add(7 * time.Minute) // 8 min left: past half-life, still above the 5 min floor
	tok, err := c.Get(context.Background(), "p/")
	if err != nil || tok != first {
		t.Fatalf("got %v, %v; want the cached token while a refresh starts", tok, err)
	}
}

func TestCacheRetriesShortLivedIssuance(t *testing.T) {
	t.Parallel()
	clk := newClock()
	var calls atomic.Int64
	c := &Cache{Now: clk.Now, Rand: func() float64 { return 0 }, Fetch: func(context.Context, string) (Token, error) {
		life := time.Hour
		if calls.Add(1) == 1 {
			life = time.Minute // the first answer is already too close to expiry
		}
		return Token{Credentials: ossauth.Credentials{AccessKeyID: "STS.x", AccessKeySecret: "s", SecurityToken: "t"}, Expiration: clk.Now().Add(life)}, nil
	}}
	tok, err := c.Get(context.Background(), "p/")
	if err != nil || tok.Expiration.Sub(clk.Now()) != time.Hour || calls.Load() != 2 {
		t.Fatalf("got %v, %v after %d calls; want the second, usable token", tok, err, calls.Load())
	}
}
