package osscallback

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// ErrUntrustedKeyURL is returned for a key URL that does not start with a trusted prefix or is not
// a plain URL of a .pem file; such a URL is never fetched.
var ErrUntrustedKeyURL = errors.New("osscallback: the public key URL is not trusted")

// errKeyFetchLimited is returned when a key URL is not fetched because of the fetch limits (see
// Keys); the call may succeed later.
var errKeyFetchLimited = errors.New("osscallback: key fetches are rate limited")

// maxKeyBytes bounds a fetched key (a PEM RSA key is well under 2 KiB).
const maxKeyBytes = 16 << 10

// maxCachedKeys bounds the cache: OSS publishes one key; a few more cover a key rotation.
const maxCachedKeys = 8

// fetchTimeout bounds one key fetch.
const fetchTimeout = 2 * time.Second

// refetchInterval is how long a failed fetch is remembered, and the pace of fetches of new URLs.
const refetchInterval = 30 * time.Second

// newURLBurst is how many key URLs not yet known may be fetched at once before the limit of one
// per refetchInterval applies (OSS's key, a rotated one, and slack).
const newURLBurst = 4

// ossKeyHost is the host OSS's own key URLs name. OSS sends them as http:// URLs (its Callback
// reference, https://help.aliyun.com/en/oss/developer-reference/callback, names both prefixes);
// the CDN serves the same file over https, so Keys fetches it over https, and a network attacker
// cannot swap the key.
const ossKeyHost = "gosspublic.alicdn.com"

// Keys fetches the public keys that callback requests name and keeps them. Callers are
// unauthenticated, so fetching is bounded: only URLs under a trusted prefix whose path ends in
// .pem, with no query or fragment, are fetched; concurrent calls for one URL share one fetch; a
// failure is remembered and the URL is not fetched again for refetchInterval; URLs not in the
// cache are fetched at most newURLBurst at once, then one per refetchInterval; a full cache evicts
// one entry (a failure first, else the least recently used key). Redirects are not followed. Safe
// for concurrent use.
type Keys struct {
	// Trusted are the URL prefixes a key URL must start with, e.g. "https://gosspublic.alicdn.com/".
	// Required; nothing is trusted without them.
	Trusted []string
	// Client fetches keys. Optional; nil means a client with a 2-second timeout. Keys never lets
	// it follow a redirect.
	Client *http.Client
	// Now is the clock of the fetch limits. Optional; nil means time.Now.
	Now func() time.Time

	mu      sync.Mutex
	cache   map[string]*keyEntry
	limiter *rate.Limiter
}

// keyEntry is one key URL's state: a fetch in flight (done open), a key, or a failure at fetched.
type keyEntry struct {
	done    chan struct{} // closed when the fetch ends
	key     *rsa.PublicKey
	err     error
	fetched time.Time
	used    time.Time
}

// KeyURL decodes the x-oss-pub-key-url header (base64 of the URL) and checks it: a plain http(s)
// URL whose path ends in .pem, with no query, fragment or user info, under one of Trusted.
func (k *Keys) KeyURL(header string) (string, error) {
	if header == "" {
		return "", fmt.Errorf("%w: the request has no x-oss-pub-key-url header", ErrUntrustedKeyURL)
	}
	raw, err := base64.StdEncoding.DecodeString(header)
	if err != nil {
		return "", fmt.Errorf("%w: x-oss-pub-key-url is not base64", ErrUntrustedKeyURL)
	}
	s := string(raw)
	u, err := url.Parse(s)
	if err != nil || u.User != nil || strings.ContainsAny(s, "?#\\ \t\r\n") || (u.Scheme != "http" && u.Scheme != "https") {
		return "", fmt.Errorf("%w: %q is not a plain URL (no query, fragment or user info)", ErrUntrustedKeyURL, s)
	}
	if !strings.HasSuffix(u.Path, ".pem") {
		return "", fmt.Errorf("%w: %q does not name a .pem file", ErrUntrustedKeyURL, s)
	}
	for _, p := range k.Trusted {
		if p != "" && strings.HasPrefix(s, p) {
			return s, nil
		}
	}
	return "", fmt.Errorf("%w: %q does not start with a trusted prefix", ErrUntrustedKeyURL, s)
}

// Key returns the public key named by the x-oss-pub-key-url header value. The error wraps
// ErrUntrustedKeyURL or ErrBadKey when the call names no usable key (a refusal), and is anything
// else (errKeyFetchLimited, a network error, a 5xx) when the key could not be had right now.
func (k *Keys) Key(ctx context.Context, header string) (*rsa.PublicKey, error) {
	u, err := k.KeyURL(header)
	if err != nil {
		return nil, err
	}
	now := k.now()
	k.mu.Lock()
	e := k.cache[u]
	switch {
	case e != nil && e.key != nil:
		e.used = now
		k.mu.Unlock()
		return e.key, nil
	case e != nil && e.done != nil:
		// A fetch is in flight: wait for it.
		done := e.done
		k.mu.Unlock()
		select {
		case <-done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		k.mu.Lock()
		key, err := e.key, e.err
		k.mu.Unlock()
		return key, err
	case e != nil && now.Sub(e.fetched) < refetchInterval:
		k.mu.Unlock()
		return nil, e.err
	case e == nil && !k.newURLAllowed(now):
		k.mu.Unlock()
		return nil, fmt.Errorf("%w: a new key URL may be fetched once per %v", errKeyFetchLimited, refetchInterval)
	}
	if e == nil {
		k.evictOne()
		e = &keyEntry{}
		k.cache[u] = e
	}
	e.done, e.used = make(chan struct{}), now
	k.mu.Unlock()

	// The fetch is shared: it must not end with the first caller's request.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
	key, err := k.fetch(fctx, u)
	cancel()

	k.mu.Lock()
	e.key, e.err, e.fetched = key, err, k.now()
	close(e.done)
	e.done = nil
	k.mu.Unlock()
	return key, err
}

func (k *Keys) now() time.Time {
	if k.Now != nil {
		return k.Now()
	}
	return time.Now()
}

// newURLAllowed takes a token for fetching a URL not in the cache. k.mu is held.
func (k *Keys) newURLAllowed(now time.Time) bool {
	if k.limiter == nil {
		k.limiter = rate.NewLimiter(rate.Every(refetchInterval), newURLBurst)
	}
	return k.limiter.AllowN(now, 1)
}

// evictOne makes room for one entry when the cache is full: a failure, else the least recently
// used key; never a fetch in flight. k.mu is held.
func (k *Keys) evictOne() {
	if k.cache == nil {
		k.cache = map[string]*keyEntry{}
	}
	if len(k.cache) < maxCachedKeys {
		return
	}
	victim := ""
	var oldest time.Time
	for u, e := range k.cache {
		switch {
		case e.done != nil:
			continue
		case e.key == nil:
			delete(k.cache, u)
			return
		case victim == "" || e.used.Before(oldest):
			victim, oldest = u, e.used
		}
	}
	if victim != "" {
		delete(k.cache, victim)
	}
}

// fetchURL returns the URL a key URL is fetched from: OSS's own http:// key URL over https, any
// other URL (e.g. the local OSS's http key) as it is.
func fetchURL(keyURL string) string {
	u, err := url.Parse(keyURL)
	if err != nil || u.Scheme != "http" || !strings.EqualFold(u.Hostname(), ossKeyHost) || u.Port() != "" {
		return keyURL
	}
	u.Scheme = "https"
	return u.String()
}

func (k *Keys) fetch(ctx context.Context, keyURL string) (*rsa.PublicKey, error) {
	c := &http.Client{Timeout: fetchTimeout}
	if k.Client != nil {
		cc := *k.Client
		c = &cc
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	u := fetchURL(keyURL)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("osscallback: key URL %s: %w", keyURL, err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("osscallback: fetching key %s: %s", u, ErrorKind(err))
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode >= 500:
		return nil, fmt.Errorf("osscallback: fetching key %s: status %d", u, resp.StatusCode)
	case resp.StatusCode != http.StatusOK:
		// The trusted host has no key there (or redirects elsewhere, which is not followed): the
		// URL was made up, not a fault to retry.
		return nil, fmt.Errorf("%w: %s answered status %d", ErrBadKey, u, resp.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxKeyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("osscallback: fetching key %s: %s", u, ErrorKind(err))
	}
	if len(b) > maxKeyBytes {
		return nil, fmt.Errorf("%w: %s is over %d bytes", ErrBadKey, u, maxKeyBytes)
	}
	key, err := ParsePublicKey(b)
	if err != nil {
		return nil, fmt.Errorf("osscallback: key %s: %w", u, err)
	}
	return key, nil
}
