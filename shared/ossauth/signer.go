package ossauth

import (
	"sync"
	"time"
)

// DefaultMaxKeys is how many signing keys a Signer keeps when Signer.MaxKeys is 0.
const DefaultMaxKeys = 16

// Signer signs V4 presigned URLs and POST policies and remembers the signing keys it derives: a key
// depends only on the secret, the UTC date and the region, so one derivation (four HMAC-SHA256)
// serves every signature of that day, and temporary credentials, which live for hours, need about
// one each. Beside each key it keeps the URL-escaped security token of the credentials that last
// used it, so a presigned URL escapes a token once, not per request. The zero value is ready to
// use. A Signer is safe for concurrent use and must not be copied after first use; a function keeps
// one for the life of its process.
//
// The cache holds at most MaxKeys keys, which are as sensitive as the secrets they come from (for
// their day and region): keys of other days than the newest are dropped first when it is full.
type Signer struct {
	// MaxKeys bounds the number of cached keys. Optional; 0 means DefaultMaxKeys.
	MaxKeys int

	mu   sync.Mutex
	keys map[keyID]cachedKey
}

type keyID struct {
	secret string
	date   string // yyyymmdd, UTC
	region string // standard form
}

type cachedKey struct {
	key          []byte // never written after it is stored
	token        string // the security token escaped below
	escapedToken string
}

// signingKey returns the V4 signing key of creds for the UTC date of t and region, and the
// security token escaped for a URL query.
func (s *Signer) signingKey(creds Credentials, t time.Time, region string) (key []byte, escapedToken string) {
	id := keyID{secret: creds.AccessKeySecret, date: t.UTC().Format(scopeDateFormat), region: StandardRegion(region)}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.keys[id]
	if !ok {
		s.makeRoom(id.date)
		e.key = deriveKey(creds.AccessKeySecret, t, region)
	}
	if !ok || e.token != creds.SecurityToken {
		e.token, e.escapedToken = creds.SecurityToken, escape(creds.SecurityToken, false)
		s.keys[id] = e
	}
	return e.key, e.escapedToken
}

// makeRoom prepares s.keys for one more key of date: when full, it drops the keys of other
// dates, then arbitrary ones.
func (s *Signer) makeRoom(date string) {
	limit := s.MaxKeys
	if limit <= 0 {
		limit = DefaultMaxKeys
	}
	if s.keys == nil {
		s.keys = make(map[keyID]cachedKey)
	}
	if len(s.keys) < limit {
		return
	}
	for id := range s.keys {
		if id.date != date {
			delete(s.keys, id)
		}
	}
	for id := range s.keys {
		if len(s.keys) < limit {
			break
		}
		delete(s.keys, id)
	}
}
