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
)

// ErrUntrustedKeyURL is returned for a key URL that does not start with a trusted prefix; such a
// URL is never fetched.
var ErrUntrustedKeyURL = errors.New("osscallback: the public key URL is not trusted")

// maxKeyBytes bounds a fetched key (a PEM RSA key is well under 2 KiB).
const maxKeyBytes = 16 << 10

// maxCachedKeys bounds the cache: OSS publishes one key; a few more cover a key rotation.
const maxCachedKeys = 8

// Keys fetches the public keys that callback requests name, from trusted URL prefixes only, and
// keeps them: one fetch per key URL for the life of the process. Safe for concurrent use.
type Keys struct {
	// Trusted are the URL prefixes a key URL must start with, e.g. "https://gosspublic.alicdn.com/".
	// Required; nothing is trusted without them.
	Trusted []string
	// Client fetches keys. Optional; nil means a client with a 2-second timeout.
	Client *http.Client

	mu    sync.Mutex
	cache map[string]*rsa.PublicKey
}

// KeyURL decodes the x-oss-pub-key-url header (base64 of the URL) and checks it against Trusted.
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
	if err != nil || u.User != nil || u.Fragment != "" || strings.ContainsAny(s, "\\ \t\r\n") {
		return "", fmt.Errorf("%w: %q is not a plain URL", ErrUntrustedKeyURL, s)
	}
	for _, p := range k.Trusted {
		if p != "" && strings.HasPrefix(s, p) {
			return s, nil
		}
	}
	return "", fmt.Errorf("%w: %q does not start with a trusted prefix", ErrUntrustedKeyURL, s)
}

// Key returns the public key named by the x-oss-pub-key-url header value, fetching it once. The
// error wraps ErrUntrustedKeyURL or ErrBadKey when the call names no usable key (a refusal), and is
// anything else when the key could not be fetched right now.
func (k *Keys) Key(ctx context.Context, header string) (*rsa.PublicKey, error) {
	u, err := k.KeyURL(header)
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	key := k.cache[u]
	k.mu.Unlock()
	if key != nil {
		return key, nil
	}
	key, err = k.fetch(ctx, u)
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	if k.cache == nil || len(k.cache) >= maxCachedKeys {
		k.cache = map[string]*rsa.PublicKey{}
	}
	k.cache[u] = key
	k.mu.Unlock()
	return key, nil
}

func (k *Keys) fetch(ctx context.Context, u string) (*rsa.PublicKey, error) {
	c := k.Client
	if c == nil {
		c = &http.Client{Timeout: 2 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("osscallback: key URL %s: %w", u, err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("osscallback: fetching key %s: %w", u, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode >= 500:
		return nil, fmt.Errorf("osscallback: fetching key %s: status %d", u, resp.StatusCode)
	case resp.StatusCode != http.StatusOK:
		// The trusted host has no key there: the URL was made up, not a fault to retry.
		return nil, fmt.Errorf("%w: %s answered status %d", ErrBadKey, u, resp.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxKeyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("osscallback: fetching key %s: %w", u, err)
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
