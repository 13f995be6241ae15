package ossauth

import (
	"crypto/hmac"
	"crypto/sha256"
	"hash"
	"sync"
	"time"
)

// defaultMaxKeys is how many signing keys a Signer keeps when MaxKeys is 0.
const defaultMaxKeys = 16

// Signer signs V4 presigned URLs and POST policies and remembers the signing keys it derives: a key
// depends only on the secret, the UTC date and the region, so one derivation (four HMAC-SHA256)
// serves every signature of that day, and temporary credentials, which live for hours, need about
// one each. Beside each key it keeps what the credentials that last used it put in every URL (the
// escaped x-oss-credential and security token), so a presigned URL escapes a 1 KB token once, not
// per request. The zero value is ready to use. A Signer is safe for concurrent use and must not be
// copied after first use; a function keeps one for the life of its process.
//
// The cache holds at most MaxKeys keys, which are as sensitive as the secrets they come from (for
// their day and region): keys of other days than the newest are dropped first when it is full.
type Signer struct {
	// MaxKeys bounds the number of cached keys. Optional; 0 means 16.
	MaxKeys int

	mu   sync.Mutex
	keys map[keyID]*signingKey
}

type keyID struct {
	secret string
	date   int    // yyyymmdd, UTC
	region string // standard form
}

// signingKey is a cached V4 signing key with what depends on it and on the credentials that last
// used it. Its fields are never written after it is stored, so readers need no lock.
type signingKey struct {
	key   []byte
	scope string     // yyyymmdd/region/oss/aliyun_v4_request
	macs  *sync.Pool // of hmac.New(sha256.New, key), reset before use

	accessKeyID, escapedCredential string // escape(accessKeyID + "/" + scope)
	token, escapedToken            string
}

// sign returns the HMAC-SHA256 of data under the key, appended to dst.
func (k *signingKey) sign(dst, data []byte) []byte {
	mac := k.macs.Get().(hash.Hash)
	mac.Reset()
	mac.Write(data)
	dst = mac.Sum(dst)
	k.macs.Put(mac)
	return dst
}

// signingKey returns the V4 signing key of creds for the UTC date of t and region, from the cache
// when it has been derived before.
func (s *Signer) signingKey(creds Credentials, t time.Time, region string) *signingKey {
	y, m, d := t.UTC().Date()
	id := keyID{secret: creds.AccessKeySecret, date: y*10000 + int(m)*100 + d, region: StandardRegion(region)}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.keys[id]
	if k != nil && k.accessKeyID == creds.AccessKeyID && k.token == creds.SecurityToken {
		return k
	}
	next := &signingKey{accessKeyID: creds.AccessKeyID, token: creds.SecurityToken, escapedToken: escape(creds.SecurityToken, false)}
	if k != nil {
		next.key, next.scope, next.macs = k.key, k.scope, k.macs
	} else {
		s.makeRoom(id.date)
		next.key, next.scope = deriveKey(creds.AccessKeySecret, t, region), scope(t, region)
		key := next.key
		next.macs = &sync.Pool{New: func() any { return hmac.New(sha256.New, key) }}
	}
	next.escapedCredential = escape(creds.AccessKeyID+"/"+next.scope, false)
	s.keys[id] = next
	return next
}

// makeRoom prepares s.keys for one more key of date: when full, it drops the keys of other
// dates, then arbitrary ones.
func (s *Signer) makeRoom(date int) {
	limit := s.MaxKeys
	if limit <= 0 {
		limit = defaultMaxKeys
	}
	if s.keys == nil {
		s.keys = make(map[keyID]*signingKey)
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
