package osscallback

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestKeyURLTrust(t *testing.T) {
	k := &Keys{Trusted: []string{"https://gosspublic.alicdn.com/", "http://gosspublic.alicdn.com/"}}
	for _, u := range []string{"https://gosspublic.alicdn.com/callback_pub_key_v1.pem", "http://gosspublic.alicdn.com/callback_pub_key_v1.pem"} {
		if got, err := k.KeyURL(b64(u)); err != nil || got != u {
			t.Errorf("KeyURL(%s) = %q, %v", u, got, err)
		}
	}
	for _, h := range []string{
		"", "not base64!",
		b64("https://evil.example/callback_pub_key_v1.pem"),
		b64("https://gosspublic.alicdn.com.evil.example/k.pem"), // look-alike host
		b64("https://gosspublic.alicdn.com@evil.example/k.pem"), // userinfo trick
		b64("ftp://gosspublic.alicdn.com/k.pem"),
		b64("https://GOSSPUBLIC.alicdn.com/k.pem"),
		b64("https://gosspublic.alicdn.com/k.pem#frag"),
		b64("https://gosspublic.alicdn.com/k.pem?x=1"),           // a query makes every URL new
		b64("https://gosspublic.alicdn.com/k.pem?"),              // even an empty one
		b64("https://gosspublic.alicdn.com/callback_pub_key_v1"), // not a .pem file
		b64("https://gosspublic.alicdn.com/k.pem/../index.html"),
	} {
		if _, err := k.KeyURL(h); !errors.Is(err, ErrUntrustedKeyURL) {
			t.Errorf("KeyURL(%q) = %v, want ErrUntrustedKeyURL", h, err)
		}
	}
	if _, err := (&Keys{}).KeyURL(b64("https://gosspublic.alicdn.com/k.pem")); !errors.Is(err, ErrUntrustedKeyURL) {
		t.Errorf("no trusted prefixes trusts %v", err)
	}
}

func TestKeysFetchOnceAndNeverUntrusted(t *testing.T) {
	v := loadVector(t)
	var fetches atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		if r.URL.Path != "/keys/k.pem" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(v.PublicKey))
	}))
	defer srv.Close()
	k := &Keys{Trusted: []string{srv.URL + "/keys/"}}
	for range 3 {
		if _, err := k.Key(context.Background(), b64(srv.URL+"/keys/k.pem")); err != nil {
			t.Fatal(err)
		}
	}
	if n := fetches.Load(); n != 1 {
		t.Errorf("%d fetches for one key URL, want 1 (cached)", n)
	}
	if _, err := k.Key(context.Background(), b64(srv.URL+"/other/k.pem")); !errors.Is(err, ErrUntrustedKeyURL) {
		t.Errorf("untrusted path: %v", err)
	}
	if _, err := k.Key(context.Background(), b64(srv.URL+"/keys/missing.pem")); !errors.Is(err, ErrBadKey) {
		t.Errorf("a 404 key: %v, want ErrBadKey", err)
	}
	if n := fetches.Load(); n != 2 {
		t.Errorf("%d fetches, want 2: an untrusted URL must never be fetched", n)
	}
}

func keyAnswer(status int, body string, h http.Header) *http.Response {
	if h == nil {
		h = http.Header{}
	}
	return &http.Response{StatusCode: status, Body: io.NopCloser(strings.NewReader(body)), Header: h}
}

// keyHost is a fake key server: good.pem is the OSS vector's key, redirect.pem redirects to it,
// everything else is 404. It counts fetches by URL.
type keyHost struct {
	mu      sync.Mutex
	fetched map[string]int
	pem     string
	block   chan struct{} // when set, every fetch waits for it
}

func newKeyHost(t *testing.T) *keyHost {
	return &keyHost{fetched: map[string]int{}, pem: loadVector(t).PublicKey}
}

func (h *keyHost) client() *http.Client {
	return &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
		h.mu.Lock()
		h.fetched[r.URL.String()]++
		block := h.block
		h.mu.Unlock()
		if block != nil {
			<-block
		}
		switch r.URL.Path {
		case "/good.pem":
			return keyAnswer(200, h.pem, nil), nil
		case "/redirect.pem":
			return keyAnswer(302, "", http.Header{"Location": {"https://keys.test/good.pem"}}), nil
		}
		return keyAnswer(404, "", nil), nil
	})}
}

func (h *keyHost) count(u string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.fetched[u]
}

func (h *keyHost) total() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, c := range h.fetched {
		n += c
	}
	return n
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestKeysFailuresAreRemembered(t *testing.T) {
	h := newKeyHost(t)
	c := &clock{t: time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)}
	k := &Keys{Trusted: []string{"https://keys.test/"}, Client: h.client(), Now: c.now}
	missing := "https://keys.test/missing.pem"
	for range 5 {
		if _, err := k.Key(context.Background(), b64(missing)); !errors.Is(err, ErrBadKey) {
			t.Fatalf("missing key: %v", err)
		}
	}
	if n := h.count(missing); n != 1 {
		t.Errorf("%d fetches of a 404 URL within the interval, want 1", n)
	}
	c.t = c.t.Add(refetchInterval)
	k.Key(context.Background(), b64(missing))
	if n := h.count(missing); n != 2 {
		t.Errorf("%d fetches after the interval, want 2", n)
	}
}

func TestKeysNewURLsAreRateLimited(t *testing.T) {
	h := newKeyHost(t)
	c := &clock{t: time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)}
	k := &Keys{Trusted: []string{"https://keys.test/"}, Client: h.client(), Now: c.now}
	good := "https://keys.test/good.pem"
	if _, err := k.Key(context.Background(), b64(good)); err != nil {
		t.Fatal(err)
	}
	limited := 0
	for i := range 50 {
		_, err := k.Key(context.Background(), b64(fmt.Sprintf("https://keys.test/made-up-%d.pem", i)))
		if errors.Is(err, errKeyFetchLimited) {
			limited++
		}
	}
	if n := h.total(); n != newURLBurst {
		t.Errorf("%d fetches for 1 key and 50 made-up URLs, want %d (the burst)", n, newURLBurst)
	}
	if limited != 50-(newURLBurst-1) {
		t.Errorf("%d calls limited", limited)
	}
	// The cached key is not evicted by the made-up URLs, and needs no fetch.
	for i := range 3 * maxCachedKeys {
		c.t = c.t.Add(refetchInterval)
		k.Key(context.Background(), b64(fmt.Sprintf("https://keys.test/later-%d.pem", i)))
		if _, err := k.Key(context.Background(), b64(good)); err != nil {
			t.Fatal(err)
		}
	}
	if n := h.count(good); n != 1 {
		t.Errorf("the good key was fetched %d times, want 1: made-up URLs evicted it", n)
	}
	if len(k.cache) > maxCachedKeys {
		t.Errorf("cache holds %d entries", len(k.cache))
	}
}

func TestKeysSingleFlight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newKeyHost(t)
		h.block = make(chan struct{})
		k := &Keys{Trusted: []string{"https://keys.test/"}, Client: h.client()}
		var wg sync.WaitGroup
		errs := make([]error, 10)
		for i := range errs {
			wg.Go(func() { _, errs[i] = k.Key(context.Background(), b64("https://keys.test/good.pem")) })
		}
		synctest.Wait()
		if n := h.total(); n != 1 {
			t.Errorf("%d concurrent fetches of one URL, want 1", n)
		}
		close(h.block)
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
	})
}

func TestKeysNoRedirects(t *testing.T) {
	h := newKeyHost(t)
	k := &Keys{Trusted: []string{"https://keys.test/"}, Client: h.client()}
	if _, err := k.Key(context.Background(), b64("https://keys.test/redirect.pem")); !errors.Is(err, ErrBadKey) {
		t.Errorf("a redirect: %v, want ErrBadKey", err)
	}
	if n := h.count("https://keys.test/good.pem"); n != 0 {
		t.Errorf("the redirect was followed")
	}
}

// TestOSSKeyFetchedOverHTTPS: OSS names its key with an http:// URL; it is fetched over https.
// Other http key URLs (the local OSS's) are fetched as they are.
func TestOSSKeyFetchedOverHTTPS(t *testing.T) {
	for in, want := range map[string]string{
		"http://gosspublic.alicdn.com/callback_pub_key_v1.pem":    "https://gosspublic.alicdn.com/callback_pub_key_v1.pem",
		"https://gosspublic.alicdn.com/callback_pub_key_v1.pem":   "https://gosspublic.alicdn.com/callback_pub_key_v1.pem",
		"http://127.0.0.1:9000/_localoss/callback_pub_key_v1.pem": "http://127.0.0.1:9000/_localoss/callback_pub_key_v1.pem",
	} {
		if got := fetchURL(in); got != want {
			t.Errorf("FetchURL(%s) = %s, want %s", in, got, want)
		}
	}
	var seen []string
	v := loadVector(t)
	k := &Keys{Trusted: []string{"http://gosspublic.alicdn.com/"}, Client: &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
		seen = append(seen, r.URL.String())
		return keyAnswer(200, v.PublicKey, nil), nil
	})}}
	if _, err := k.Key(context.Background(), b64("http://gosspublic.alicdn.com/callback_pub_key_v1.pem")); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 || seen[0] != "https://gosspublic.alicdn.com/callback_pub_key_v1.pem" {
		t.Errorf("fetched %v", seen)
	}
}
