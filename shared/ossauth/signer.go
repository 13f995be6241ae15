package ossauth

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultMaxKeys is how many signing keys a Signer keeps when Signer.MaxKeys is 0.
const DefaultMaxKeys = 16

// Signer signs exactly as the package functions of the same names do, and remembers the V4 signing
// keys it derives: a key depends only on the secret, the UTC date and the region, so one derivation
// (four HMAC-SHA256) serves every signature of that day, and temporary credentials, which live for
// hours, need about one each. The zero value is ready to use; a nil *Signer signs without a cache.
// A Signer is safe for concurrent use and must not be copied after first use. A function keeps one
// for the life of its process.
//
// The cache holds at most MaxKeys keys, which are as sensitive as the secrets they come from (for
// their day and region): keys of other days than the newest are dropped first when it is full.
type Signer struct {
	// MaxKeys bounds the number of cached keys. Optional; 0 means DefaultMaxKeys.
	MaxKeys int

	mu   sync.Mutex               // serialises writers of keys
	keys atomic.Pointer[keyTable] // copy on write: readers never lock
}

type keyID struct {
	secret string
	date   uint32 // yyyymmdd, UTC
	region string // standard form
}

type keyTable map[keyID][sha256.Size]byte

// SigningKey returns the V4 signing key for the UTC date of t and region, as the package function
// SigningKey does, from the cache when it has been derived before. The result is a fresh copy.
func (s *Signer) SigningKey(secret string, t time.Time, region string) []byte {
	k := s.signingKey(secret, t, region)
	return append([]byte(nil), k[:]...)
}

// CachedKeys reports how many signing keys s holds.
func (s *Signer) CachedKeys() int {
	if s == nil {
		return 0
	}
	if m := s.keys.Load(); m != nil {
		return len(*m)
	}
	return 0
}

func (s *Signer) signingKey(secret string, t time.Time, region string) [sha256.Size]byte {
	t = t.UTC()
	region = StandardRegion(region)
	if s == nil {
		return deriveKey(secret, t, region)
	}
	y, m, d := t.Date()
	id := keyID{secret: secret, date: uint32(y*10000 + int(m)*100 + d), region: region}
	if tab := s.keys.Load(); tab != nil {
		if k, ok := (*tab)[id]; ok {
			return k
		}
	}
	k := deriveKey(secret, t, region)
	s.store(id, k)
	return k
}

// store adds id to a copy of the table, first dropping keys of older days, then arbitrary ones,
// when the table is full.
func (s *Signer) store(id keyID, k [sha256.Size]byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	limit := s.MaxKeys
	if limit <= 0 {
		limit = DefaultMaxKeys
	}
	var old keyTable
	if p := s.keys.Load(); p != nil {
		old = *p
	}
	if _, ok := old[id]; ok {
		return // another caller derived it meanwhile
	}
	next := make(keyTable, min(len(old), limit)+1)
	for oid, ok := range old {
		next[oid] = ok
	}
	if len(next) >= limit {
		for oid := range next {
			if oid.date < id.date {
				delete(next, oid)
			}
		}
	}
	for oid := range next {
		if len(next) < limit {
			break
		}
		delete(next, oid)
	}
	next[id] = k
	s.keys.Store(&next)
}

// deriveKey is the V4 key derivation for a UTC t and a standard region.
func deriveKey(secret string, t time.Time, region string) [sha256.Size]byte {
	var date [8]byte
	first := make([]byte, 0, len("aliyun_v4")+len(secret))
	first = append(append(first, "aliyun_v4"...), secret...)
	k := hmacSHA256Sum(first, appendScopeDate(date[:0], t))
	k = hmacSHA256Sum(k[:], []byte(region))
	k = hmacSHA256Sum(k[:], []byte(Product))
	return hmacSHA256Sum(k[:], []byte(terminator))
}

// hmacSHA256Sum is HMAC-SHA256 (RFC 2104) of data under key. It is crypto/hmac's computation
// with one hash state instead of seven allocations, which count when a signature takes a few
// microseconds; TestHMACMatchesCryptoHMAC holds the two together.
func hmacSHA256Sum(key, data []byte) (sum [sha256.Size]byte) {
	var pad [sha256.BlockSize]byte
	if len(key) > sha256.BlockSize {
		k := sha256.Sum256(key)
		copy(pad[:], k[:])
	} else {
		copy(pad[:], key)
	}
	for i := range pad {
		pad[i] ^= 0x36
	}
	h := sha256.New()
	h.Write(pad[:])
	h.Write(data)
	inner := h.Sum(sum[:0])
	for i := range pad {
		pad[i] ^= 0x36 ^ 0x5c
	}
	h.Reset()
	h.Write(pad[:])
	h.Write(inner)
	h.Sum(sum[:0])
	return sum
}

// signBase64 returns base64(doc) and the lower-case hex HMAC-SHA256 of that base64 under key:
// hmacSHA256Sum with the base64 encoded a chunk at a time into both the result and the hash, so
// that the policy is written once and never copied.
func signBase64(key, doc []byte) (encoded, signature string) {
	var pad [sha256.BlockSize]byte
	copy(pad[:], key) // a V4 signing key is 32 bytes
	for i := range pad {
		pad[i] ^= 0x36
	}
	h := sha256.New()
	h.Write(pad[:])
	var b strings.Builder
	b.Grow(base64.StdEncoding.EncodedLen(len(doc)))
	var chunk [1024]byte
	for len(doc) > 0 {
		n := min(len(doc), 768) // a multiple of 3: padding only at the very end
		enc := chunk[:base64.StdEncoding.EncodedLen(n)]
		base64.StdEncoding.Encode(enc, doc[:n])
		h.Write(enc)
		b.Write(enc)
		doc = doc[n:]
	}
	var sum [sha256.Size]byte
	inner := h.Sum(sum[:0])
	for i := range pad {
		pad[i] ^= 0x36 ^ 0x5c
	}
	h.Reset()
	h.Write(pad[:])
	h.Write(inner)
	h.Sum(sum[:0])
	var hexSig [2 * sha256.Size]byte
	hex.Encode(hexSig[:], sum[:])
	return b.String(), string(hexSig[:])
}

// PresignV4 is the package function PresignV4 with the signing key from s's cache.
func (s *Signer) PresignV4(creds Credentials, r *Request, opts PresignV4Options, now time.Time) (url.Values, error) {
	return presignV4(s, creds, r, opts, now)
}

// SignPostPolicyV4 is the package function SignPostPolicyV4 with the signing key from s's cache.
func (s *Signer) SignPostPolicyV4(creds Credentials, bucket, region string, p Policy, now time.Time) (PostPolicyV4, error) {
	return signPostPolicyV4(s, creds, bucket, region, p, now)
}

// AuthorizeV4 is the package function AuthorizeV4 with the signing key from s's cache.
func (s *Signer) AuthorizeV4(creds Credentials, r *Request, region string, additional []string, now time.Time) string {
	return authorizeV4(s, creds, r, region, additional, now)
}
