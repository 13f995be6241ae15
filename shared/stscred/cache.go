package stscred

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"time"
)

// Fetcher obtains fresh credentials for a prefix (in production: AssumeRole with that prefix's
// session policy). ctx carries the triggering request's values but not its cancellation.
type Fetcher func(ctx context.Context, prefix string) (Token, error)

// Cache hands out credentials per prefix, calling Fetch at most once at a time per prefix.
//
// A token is handed out while more than minRemaining of it is left. Once less than refreshBefore is
// left, the next request starts one refresh in the background and still gets the cached token;
// only when no usable token exists do requests wait, until answerBefore their own deadline (so
// they can still answer 503 in time), and distinct prefixes are fetched in parallel. Failed fetches are
// retried with exponential backoff and full jitter within FetchTimeout, and a failure is remembered
// for a short backoff so an STS outage is not hammered.
type Cache struct {
	// Fetch obtains credentials. Required.
	Fetch Fetcher
	// FetchTimeout bounds one refresh including its retries (default 8 s).
	FetchTimeout time.Duration
	// MaxEntries bounds the number of cached prefixes (default 1024).
	MaxEntries int
	// Now and Rand are the clock and jitter source; nil means the real ones.
	Now  func() time.Time
	Rand func() float64

	mu      sync.Mutex
	entries map[string]*entry
}

type entry struct {
	tok     Token
	issued  time.Time
	flight  *flight
	lastErr error
	retryAt time.Time
}

type flight struct {
	done chan struct{}
	tok  Token
	err  error
}

// errUnavailable wraps every failure to produce usable credentials.
var errUnavailable = errors.New("stscred: no valid upload credentials")

const (
	backoffBase = 100 * time.Millisecond
	backoffCap  = 2 * time.Second
	failBackoff = time.Second
	// refreshBefore starts a refresh when less than this is left (at most half the token's
	// lifetime).
	refreshBefore = 10 * time.Minute
	// minRemaining: no token with less than this left is ever handed out, whatever its lifetime,
	// so a client always has time to upload with it.
	minRemaining = 5 * time.Minute
	// answerBefore is how long before its context's deadline a waiting Get gives up, so that the
	// caller can still answer (503) before the platform's timeout answers for it (at most half the
	// time left).
	answerBefore = time.Second
)

// Get returns usable credentials for prefix.
func (c *Cache) Get(ctx context.Context, prefix string) (Token, error) {
	now := c.now()
	c.mu.Lock()
	if c.entries == nil {
		c.entries = map[string]*entry{}
	}
	e := c.entries[prefix]
	if e == nil {
		c.evict(now)
		e = &entry{}
		c.entries[prefix] = e
	}
	if usable(e.tok, now) {
		if e.tok.Expiration.Sub(now) <= min(refreshBefore, e.tok.Expiration.Sub(e.issued)/2) && e.flight == nil && !now.Before(e.retryAt) {
			c.start(ctx, prefix, e, time.Time{})
		}
		tok := e.tok
		c.mu.Unlock()
		return tok, nil
	}
	// The caller gives up answerBefore its deadline, so that it can still answer (503) in time.
	var answerBy time.Time
	if dl, ok := ctx.Deadline(); ok {
		answerBy = dl.Add(-min(answerBefore, time.Until(dl)/2))
	}
	f := e.flight
	if f == nil {
		if now.Before(e.retryAt) && e.lastErr != nil {
			err := e.lastErr
			c.mu.Unlock()
			return Token{}, err
		}
		f = c.start(ctx, prefix, e, answerBy)
	}
	c.mu.Unlock()

	if !answerBy.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, answerBy)
		defer cancel()
	}
	select {
	case <-f.done:
		if f.err != nil {
			return Token{}, f.err
		}
		return f.tok, nil
	case <-ctx.Done():
		return Token{}, errors.Join(errUnavailable, ctx.Err())
	}
}

// start begins a refresh of e; c.mu is held. A fetch that a request waits for (answerBy set) ends
// with that request's patience at the latest, so that its failure is remembered (failure backoff)
// by the time the request answers; a background refresh has FetchTimeout.
func (c *Cache) start(ctx context.Context, prefix string, e *entry, answerBy time.Time) *flight {
	f := &flight{done: make(chan struct{})}
	e.flight = f
	timeout := c.FetchTimeout
	if timeout <= 0 {
		timeout = 8 * time.Second
	}
	deadline := time.Now().Add(timeout)
	if !answerBy.IsZero() && answerBy.Before(deadline) {
		deadline = answerBy.Add(-50 * time.Millisecond)
	}
	fctx, cancel := context.WithDeadline(context.WithoutCancel(ctx), deadline)
	go func() {
		defer cancel()
		tok, issued, err := c.fetchWithRetry(fctx, prefix)
		c.mu.Lock()
		now := c.now()
		if err != nil {
			f.err = errors.Join(errUnavailable, err)
			e.lastErr, e.retryAt = f.err, now.Add(failBackoff)
		} else {
			f.tok = tok
			e.tok, e.issued, e.lastErr, e.retryAt = tok, issued, nil, time.Time{}
		}
		e.flight = nil
		c.mu.Unlock()
		close(f.done)
	}()
	return f
}

func (c *Cache) fetchWithRetry(ctx context.Context, prefix string) (Token, time.Time, error) {
	for attempt := 0; ; attempt++ {
		issued := c.now()
		tok, err := c.Fetch(ctx, prefix)
		if err == nil && !usable(tok, c.now()) {
			err = &Error{Code: "ShortLived", Message: "STS issued credentials that expire too soon", Retryable: true}
		}
		if err == nil {
			return tok, issued, nil
		}
		var se *Error
		if errors.As(err, &se) && !se.Retryable {
			return Token{}, time.Time{}, err
		}
		d := min(backoffCap, backoffBase<<min(attempt, 10))
		d = time.Duration(c.rand() * float64(d))
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d+50*time.Millisecond {
			return Token{}, time.Time{}, err
		}
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return Token{}, time.Time{}, err
		}
	}
}

func usable(t Token, now time.Time) bool {
	return t.Credentials.Valid() && t.Expiration.Sub(now) > minRemaining
}

// evict drops expired entries when the cache is full, then any idle one; c.mu is held.
func (c *Cache) evict(now time.Time) {
	max := c.MaxEntries
	if max <= 0 {
		max = 1024
	}
	if len(c.entries) < max {
		return
	}
	for k, e := range c.entries {
		if e.flight == nil && !e.tok.Expiration.After(now) {
			delete(c.entries, k)
		}
	}
	for k, e := range c.entries {
		if len(c.entries) < max {
			return
		}
		if e.flight == nil {
			delete(c.entries, k)
		}
	}
}

func (c *Cache) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Cache) rand() float64 {
	if c.Rand != nil {
		return c.Rand()
	}
	return rand.Float64()
}
