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
	// maxJWKSBytes bounds a fetched key set.
	maxJWKSBytes = 1 << 20
	// refetchInterval is the least time between two fetches of the key set: a flood of tokens
	// with unknown key ids costs the issuer at most one request per interval.
	refetchInterval = 30 * time.Second
	// keysTTL is how long a fetched key set is used before it is fetched again (a failed
	// fetch keeps the old set).
	keysTTL = time.Hour
	// defaultFetchTimeout bounds one fetch of the key set.
	defaultFetchTimeout = 5 * time.Second
	// answerMargin is the time kept before a request's deadline when it waits for the key set:
	// a request that has no usable keys answers unavailable this long before its deadline, so the
	// answer is still sent in time.
	answerMargin = 200 * time.Millisecond
	// minRSABits is the smallest RSA key accepted.
	minRSABits = 2048
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

// fits reports whether key can verify alg: RSA keys of at least minRSABits for RS*/PS*, the
// matching NIST curve for ES256/384/512, Ed25519 for EdDSA.
func fits(key any, alg jose.SignatureAlgorithm) bool {
	switch k := key.(type) {
	case *rsa.PublicKey:
		switch alg {
		case jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512:
			return k.N.BitLen() >= minRSABits
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

// remoteKeys fetches a JWKS from a URL: on first use, again when it is older than keysTTL, and when a
// token names an unknown key id; never more than once per refetchInterval, and one fetch at a time. No
// lock is held during a fetch: it runs in its own goroutine (with its own timeout, not the
// request's), requests holding a set are answered with it at once (a stale set is refreshed in the
// background), and only a request that has no usable set waits, until the fetch ends or until
// answerMargin before its deadline. A failed fetch keeps the keys it has.
type remoteKeys struct {
	url    string
	client *http.Client
	now    func() time.Time

	mu        sync.Mutex // guards what follows; never held across a fetch
	set       KeySet
	fetchedAt time.Time // of the keys held
	tried     time.Time // start of the last fetch
	lastErr   error     // of the last fetch
	flight    *keyFetch // the fetch under way, if any
}

// keyFetch is one fetch of the key set; set and err are written before done is closed.
type keyFetch struct {
	done chan struct{}
	set  KeySet // the keys held after the fetch: the fetched ones, or the old ones if it failed
	err  error
}

func (r *remoteKeys) keys(ctx context.Context, refetch bool) (KeySet, error) {
	r.mu.Lock()
	now := r.now()
	set := r.set
	if set.Len() > 0 && !refetch {
		if now.Sub(r.fetchedAt) >= keysTTL {
			r.startLocked(now) // in the background: this request goes on with the set it has
		}
		r.mu.Unlock()
		return set, nil
	}
	f := r.flight
	if f == nil {
		f = r.startLocked(now)
	}
	lastErr := r.lastErr
	r.mu.Unlock()
	if f == nil {
		// A fetch was tried within the interval: there is nothing newer to wait for.
		if set.Len() == 0 {
			if lastErr == nil {
				lastErr = errors.New("the JWKS has not been fetched yet")
			}
			return set, lastErr
		}
		return set, nil
	}
	return f.wait(ctx)
}

// startLocked starts a fetch unless one is under way or one was started within the interval, and
// returns it (nil if none was started). r.mu is held.
func (r *remoteKeys) startLocked(now time.Time) *keyFetch {
	if r.flight != nil || (!r.tried.IsZero() && now.Sub(r.tried) < refetchInterval) {
		return nil
	}
	f := &keyFetch{done: make(chan struct{})}
	r.flight, r.tried = f, now
	go func() {
		fresh, err := r.fetch()
		r.mu.Lock()
		if err != nil {
			r.lastErr = err
		} else {
			r.set, r.fetchedAt, r.lastErr = fresh, now, nil
		}
		f.set, f.err = r.set, err
		r.flight = nil
		r.mu.Unlock()
		close(f.done)
	}()
	return f
}

// wait returns the outcome of f, or an error once ctx is done or only answerMargin is left before
// its deadline, so the caller can still answer in time.
func (f *keyFetch) wait(ctx context.Context) (KeySet, error) {
	var expire <-chan time.Time
	if dl, ok := ctx.Deadline(); ok {
		left := time.Until(dl) - answerMargin
		if left <= 0 {
			select {
			case <-f.done: // finished already
				return f.outcome()
			default:
				return KeySet{}, errors.New("no time left to wait for the JWKS")
			}
		}
		t := time.NewTimer(left)
		defer t.Stop()
		expire = t.C
	}
	select {
	case <-f.done:
		return f.outcome()
	case <-expire:
		return KeySet{}, errors.New("the JWKS fetch did not end before the request's deadline")
	case <-ctx.Done():
		return KeySet{}, fmt.Errorf("waiting for the JWKS: %w", ctx.Err())
	}
}

// outcome is the keys after f: the fetched set, the old one if the fetch failed, or the failure
// when there is no set at all.
func (f *keyFetch) outcome() (KeySet, error) {
	if f.set.Len() == 0 {
		return f.set, f.err
	}
	return f.set, nil
}

// fetch reads the key set from the URL. It is bound by defaultFetchTimeout, not by a request: its
// outcome serves every request after it.
func (r *remoteKeys) fetch() (KeySet, error) {
	ctx, cancel := context.WithTimeout(context.Background(), defaultFetchTimeout)
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
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
	if err != nil {
		return KeySet{}, fmt.Errorf("fetching the JWKS: %w", err)
	}
	if len(b) > maxJWKSBytes {
		return KeySet{}, fmt.Errorf("the JWKS is over %d bytes", maxJWKSBytes)
	}
	return ParseJWKS(b)
}
