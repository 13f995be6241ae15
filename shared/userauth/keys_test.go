package userauth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// fakeJWKS serves a key set as an http.RoundTripper, for tests in a synctest bubble (a goroutine
// blocked on a real socket is not durably blocked, so the bubble's clock would not move past it).
// While hang is set, each fetch waits until hang is closed or the fetch's context ends: an issuer
// that accepts the connection and never answers.
type fakeJWKS struct {
	mu      sync.Mutex
	jwks    []byte
	hang    chan struct{}
	fetches int
}

func (f *fakeJWKS) RoundTrip(r *http.Request) (*http.Response, error) {
	f.mu.Lock()
	f.fetches++
	hang := f.hang
	f.mu.Unlock()
	if hang != nil {
		select {
		case <-hang:
		case <-r.Context().Done():
			return nil, r.Context().Err()
		}
	}
	f.mu.Lock()
	body := f.jwks
	f.mu.Unlock()
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(body)), Request: r}, nil
}

func (f *fakeJWKS) set(jwks []byte, hang chan struct{}) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.jwks, f.hang = jwks, hang
}

func (f *fakeJWKS) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fetches
}

// bubbleVerifier returns a verifier that fetches its keys from fake, on the bubble's clock.
func bubbleVerifier(t *testing.T, fake *fakeJWKS) *Verifier {
	t.Helper()
	v, err := New(Options{JWKSURL: "https://idp.example/jwks.json", Issuer: "https://idp.example", Audience: "app", Client: &http.Client{Transport: fake}})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// token returns a token of s for alice, valid for two hours from now (the bubble's clock).
func (s rawSigner) token() string {
	return s.sign(fmt.Sprintf(`{"iss":"https://idp.example","aud":"app","sub":"alice","exp":%d}`, time.Now().Add(2*time.Hour).Unix()))
}

// settle waits for the key fetch under way, if any: a refresh of a stale set runs in the
// background, after the request that noticed it was answered.
func settle(v *Verifier) {
	if r, ok := v.src.(*remoteKeys); ok {
		r.mu.Lock()
		f := r.flight
		r.mu.Unlock()
		if f != nil {
			<-f.done
		}
	}
}

func unavailable(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Unavailable
}

// TestStaleKeysServedWhileRefreshHangs: once the cached set is older than its TTL, requests are
// answered at once with it while one refresh runs in the background, even when that refresh hangs.
// A token naming an unknown key id waits for the refresh only until just before its deadline.
func TestStaleKeysServedWhileRefreshHangs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		old, rotated := newRawSignerKid(t, "old"), newRawSignerKid(t, "new")
		fake := &fakeJWKS{jwks: old.jwks}
		v := bubbleVerifier(t, fake)
		if _, err := v.Verify(context.Background(), old.token()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(keysTTL) // the set is stale now
		hang := make(chan struct{})
		fake.set(rotated.jwks, hang)

		start := time.Now()
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
				defer cancel()
				if user, err := v.Verify(ctx, old.token()); err != nil || user != "alice" {
					t.Errorf("stale keys, refresh hanging: %q, %v", user, err)
				}
			})
		}
		wg.Wait()
		if d := time.Since(start); d != 0 {
			t.Errorf("requests with cached keys waited %v for the refresh", d)
		}
		if n := fake.count(); n != 2 {
			t.Errorf("%d fetches, want 2 (the first and one refresh)", n)
		}

		// An unknown key id: wait for the refresh under way, but answer before the deadline.
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_, err := v.Verify(ctx, rotated.token())
		if !unavailable(err) || ctx.Err() != nil {
			t.Errorf("unknown kid, refresh hanging: %v (ctx %v); want unavailable before the deadline", err, ctx.Err())
		}
		if d := time.Since(start); d >= 3*time.Second || d < 3*time.Second-answerMargin {
			t.Errorf("answered after %v; want within %v before the 3 s deadline", d, answerMargin)
		}
		if n := fake.count(); n != 2 {
			t.Errorf("%d fetches, want 2: an unknown kid waits for the refresh under way", n)
		}

		// The refresh completes: the rotated key is used without another fetch.
		close(hang)
		synctest.Wait()
		if user, err := v.Verify(context.Background(), rotated.token()); err != nil || user != "alice" {
			t.Errorf("rotated key after the refresh: %q, %v", user, err)
		}
		if n := fake.count(); n != 2 {
			t.Errorf("%d fetches, want 2", n)
		}
	})
}

// TestNoKeysAnswersBeforeDeadline: with no key set at all and the issuer hanging, a request waits
// for the one fetch under way only until just before its deadline, then answers unavailable.
func TestNoKeysAnswersBeforeDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newRawSigner(t)
		hang := make(chan struct{})
		fake := &fakeJWKS{jwks: s.jwks, hang: hang}
		v := bubbleVerifier(t, fake)

		start := time.Now()
		var wg sync.WaitGroup
		for i := range 10 {
			wg.Go(func() {
				budget := time.Duration(i+1) * 400 * time.Millisecond
				ctx, cancel := context.WithTimeout(context.Background(), budget)
				defer cancel()
				_, err := v.Verify(ctx, s.token())
				d := time.Since(start)
				if !unavailable(err) || ctx.Err() != nil || d >= budget || d < budget-answerMargin {
					t.Errorf("budget %v: %v after %v (ctx %v); want unavailable within %v before the deadline", budget, err, d, ctx.Err(), answerMargin)
				}
			})
		}
		wg.Wait()
		// Less time left than the margin: answered at once.
		ctx, cancel := context.WithTimeout(context.Background(), answerMargin/2)
		defer cancel()
		at := time.Now()
		if _, err := v.Verify(ctx, s.token()); !unavailable(err) || time.Since(at) != 0 {
			t.Errorf("almost no time left: %v after %v", err, time.Since(at))
		}
		if n := fake.count(); n != 1 {
			t.Errorf("%d fetches, want one in flight for all requests", n)
		}

		// The fetch fails (its own timeout); within the refetch interval nothing is fetched again
		// and requests are answered at once.
		settle(v)
		if d := time.Since(start); d != defaultFetchTimeout {
			t.Errorf("the fetch ended after %v, want its timeout %v", d, defaultFetchTimeout)
		}
		at = time.Now()
		if _, err := v.Verify(context.Background(), s.token()); !unavailable(err) || time.Since(at) != 0 || fake.count() != 1 {
			t.Errorf("within the interval after a failure: %v after %v, %d fetches", err, time.Since(at), fake.count())
		}

		// The issuer answers again: the next request after the interval fetches and verifies.
		fake.set(s.jwks, nil)
		time.Sleep(refetchInterval)
		if user, err := v.Verify(context.Background(), s.token()); err != nil || user != "alice" || fake.count() != 2 {
			t.Errorf("issuer back: %q, %v, %d fetches", user, err, fake.count())
		}
	})
}
