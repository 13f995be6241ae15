package userauth

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Limits of the key-set cache.
const (
	// MaxJWKSBytes bounds a fetched key set.
	MaxJWKSBytes = 1 << 20
	// DefaultRefetchInterval is the least time between two fetches of the key set: a flood of tokens
	// with unknown key ids costs the issuer at most one request per interval.
	DefaultRefetchInterval = 30 * time.Second
	// DefaultKeysTTL is how long a fetched key set is used before it is fetched again (a failed
	// fetch keeps the old set).
	DefaultKeysTTL = time.Hour
	// DefaultFetchTimeout bounds one fetch of the key set.
	DefaultFetchTimeout = 5 * time.Second
	// MinRSABits is the smallest RSA key accepted.
	MinRSABits = 2048
)

// KeySet is the verification keys of a parsed JWKS.
type KeySet struct {
	keys []jose.JSONWebKey // public keys usable for signatures
}

// ParseJWKS reads a JSON Web Key Set. Keys that are not signature keys (use "enc"), of an unknown
// type, or otherwise unreadable are skipped (providers publish such keys next to the signing ones);
// private parts are dropped. It fails when the document is not a JWKS or holds no usable key.
func ParseJWKS(b []byte) (KeySet, error) {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return KeySet{}, fmt.Errorf("not a JWKS document: %v", err)
	}
	var ks KeySet
	for _, raw := range doc.Keys {
		var k jose.JSONWebKey
		if err := k.UnmarshalJSON(raw); err != nil || !k.Valid() {
			continue
		}
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		k = k.Public()
		if !k.Valid() || keyFamily(k.Key) == "" {
			continue // symmetric ("oct") keys have no public part and are never accepted
		}
		ks.keys = append(ks.keys, k)
	}
	if len(ks.keys) == 0 {
		return KeySet{}, errors.New("the JWKS holds no RSA, EC or Ed25519 signature key")
	}
	return ks, nil
}

// Len returns the number of usable keys.
func (ks KeySet) Len() int { return len(ks.keys) }

// candidates returns the keys that may have signed a token with kid and alg: the key with that id
// (or, for a token without kid, every key), each only if its type fits alg and its own "alg", if
// any, is alg.
func (ks KeySet) candidates(kid string, alg jose.SignatureAlgorithm) (fit []any, kidKnown bool) {
	for _, k := range ks.keys {
		if kid != "" && k.KeyID != kid {
			continue
		}
		kidKnown = true
		if k.Algorithm != "" && k.Algorithm != string(alg) {
			continue
		}
		if fits(k.Key, alg) {
			fit = append(fit, k.Key)
		}
	}
	return fit, kidKnown
}

func keyFamily(key any) string {
	switch key.(type) {
	case *rsa.PublicKey:
		return "RSA"
	case *ecdsa.PublicKey:
		return "EC"
	case ed25519.PublicKey:
		return "OKP"
	}
	return ""
}

// fits reports whether key can verify alg: RSA keys of at least MinRSABits for RS*/PS*, the
// matching NIST curve for ES256/384/512, Ed25519 for EdDSA.
func fits(key any, alg jose.SignatureAlgorithm) bool {
	switch k := key.(type) {
	case *rsa.PublicKey:
		switch alg {
		case jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512:
			return k.N.BitLen() >= MinRSABits
		}
	case *ecdsa.PublicKey:
		switch alg {
		case jose.ES256:
			return k.Curve == elliptic.P256()
		case jose.ES384:
			return k.Curve == elliptic.P384()
		case jose.ES512:
			return k.Curve == elliptic.P521()
		}
	case ed25519.PublicKey:
		return alg == jose.EdDSA
	}
	return false
}

// keySource gives the current key set.
type keySource interface {
	// keys returns the key set; refetch asks for a fresh one when the cached set does not know a
	// key id (subject to the rate limit).
	keys(ctx context.Context, refetch bool) (KeySet, error)
}

type staticKeys struct{ set KeySet }

func (s staticKeys) keys(context.Context, bool) (KeySet, error) { return s.set, nil }

// remoteKeys fetches a JWKS from a URL: on first use, again when it is older than ttl, and when a
// token names an unknown key id; never more than once per interval. A failed fetch keeps the keys
// it has.
type remoteKeys struct {
	url      string
	client   *http.Client
	now      func() time.Time
	interval time.Duration
	ttl      time.Duration

	mu        sync.RWMutex
	set       KeySet
	fetchedAt time.Time // of the keys held
	tried     time.Time // last fetch attempt
	fetchMu   sync.Mutex
	lastErr   error
}

func (r *remoteKeys) keys(ctx context.Context, refetch bool) (KeySet, error) {
	r.mu.RLock()
	set, fetchedAt := r.set, r.fetchedAt
	r.mu.RUnlock()
	if set.Len() > 0 && !refetch && r.now().Sub(fetchedAt) < r.ttl {
		return set, nil
	}
	return r.refresh(ctx)
}

// refresh fetches the key set unless a fetch was tried within the interval; concurrent callers wait
// for one fetch.
func (r *remoteKeys) refresh(ctx context.Context) (KeySet, error) {
	r.fetchMu.Lock()
	defer r.fetchMu.Unlock()
	r.mu.RLock()
	set, tried, lastErr := r.set, r.tried, r.lastErr
	r.mu.RUnlock()
	now := r.now()
	if !tried.IsZero() && now.Sub(tried) < r.interval {
		if set.Len() == 0 {
			return set, lastErr
		}
		return set, nil
	}
	fresh, err := r.fetch(ctx)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tried = now
	if err != nil {
		r.lastErr = err
		if r.set.Len() == 0 {
			return r.set, err
		}
		return r.set, nil
	}
	r.set, r.fetchedAt, r.lastErr = fresh, now, nil
	return fresh, nil
}

func (r *remoteKeys) fetch(ctx context.Context) (KeySet, error) {
	// Not cancelled with the request that triggered it: its outcome serves every request after it.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), DefaultFetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.url, nil)
	if err != nil {
		return KeySet{}, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := r.client.Do(req)
	if err != nil {
		return KeySet{}, fmt.Errorf("fetching the JWKS: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		// Not followed (see noRedirects): set the JWKS URL to where the keys are.
		return KeySet{}, fmt.Errorf("fetching the JWKS: HTTP %d, a redirect to %q, which is not followed: set the JWKS URL to the final address", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp.StatusCode != http.StatusOK {
		return KeySet{}, fmt.Errorf("fetching the JWKS: HTTP %d", resp.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxJWKSBytes+1))
	if err != nil {
		return KeySet{}, fmt.Errorf("fetching the JWKS: %w", err)
	}
	if len(b) > MaxJWKSBytes {
		return KeySet{}, fmt.Errorf("the JWKS is over %d bytes", MaxJWKSBytes)
	}
	return ParseJWKS(b)
}
