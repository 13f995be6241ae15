package ossauth

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// PresignV4Options is what a V4 presigned URL authorises.
type PresignV4Options struct {
	// Endpoint is where the URL points. Required (see ParseEndpoint).
	Endpoint Endpoint
	// Method is the HTTP method the URL allows, e.g. "PUT". Required.
	Method string
	// Bucket is the bucket name. Required.
	Bucket string
	// Key is the object key, unencoded. Required.
	Key string
	// Region is the bucket's region ("cn-hangzhou"; "oss-cn-hangzhou" is accepted). Required.
	Region string
	// Expires is how long the URL stays valid after now, 1 second to 7 days. Required.
	Expires time.Duration
	// Header holds the headers the client must send exactly so: Content-Type, Content-MD5 and every
	// x-oss-* header are signed, others only when named in AdditionalHeaders. Optional.
	Header http.Header
	// AdditionalHeaders names headers beyond Content-Type, Content-MD5 and x-oss-* to sign (e.g.
	// "content-length" to pin the upload's size); names absent from Header are ignored, as OSS
	// does. Optional.
	AdditionalHeaders []string
	// Query holds extra query parameters, all signed (e.g. callback); the x-oss-* parameters
	// PresignV4 sets itself are ignored. Optional.
	Query url.Values
}

// Errors returned for invalid signing inputs.
var (
	errExpiresRange = errors.New("ossauth: expiry must be between 1 second and 7 days")
	errNoRegion     = errors.New("ossauth: region is required for signature V4")
	errNoCredential = errors.New("ossauth: credentials are incomplete")
)

// PresignV4 returns a V4 (OSS4-HMAC-SHA256) presigned URL signed at now: opts.Endpoint's URL of
// /Bucket/Key with opts.Query plus x-oss-signature-version, x-oss-date, x-oss-expires,
// x-oss-credential, x-oss-additional-headers (when any), x-oss-security-token (temporary
// credentials) and x-oss-signature. The URL authorises exactly opts.Method on /Bucket/Key with the
// signed headers of opts.Header, until now+Expires and no longer than the credentials live.
//
// OSS signs the query of the URL itself, sorted and escaped, without x-oss-signature
// (https://help.aliyun.com/en/oss/developer-reference/add-signatures-to-urls), so the URL is
// written once and its query is the canonical one.
func (s *Signer) PresignV4(creds Credentials, opts PresignV4Options, now time.Time) (string, error) {
	if !creds.Valid() {
		return "", errNoCredential
	}
	if opts.Region == "" {
		return "", errNoRegion
	}
	secs := int64(opts.Expires / time.Second)
	if secs < 1 || opts.Expires > MaxPresignExpiry {
		return "", errExpiresRange
	}
	if opts.Bucket == "" || opts.Method == "" || opts.Endpoint.Host == "" {
		return "", errors.New("ossauth: presign needs an endpoint, a method and a bucket")
	}
	k := s.signingKey(creds, now, opts.Region)
	add := additionalHeaders(opts.AdditionalHeaders, opts.Header)

	var arr [16]queryPair
	pairs := appendQueryPairs(arr[:0], opts.Query)
	date := now.UTC().Format(dateFormatV4)
	pairs = append(pairs,
		queryPair{"x-oss-signature-version", algorithmV4},
		queryPair{"x-oss-date", date},
		queryPair{"x-oss-expires", strconv.FormatInt(secs, 10)},
		queryPair{"x-oss-credential", k.escapedCredential})
	if len(add) > 0 {
		pairs = append(pairs, queryPair{"x-oss-additional-headers", escape(strings.Join(add, ";"), false)})
	}
	if creds.SecurityToken != "" {
		pairs = append(pairs, queryPair{"x-oss-security-token", k.escapedToken})
	}
	sortPairs(pairs)
	size := len(opts.Endpoint.Scheme) + len(opts.Endpoint.Host) + len(opts.Bucket) + 3*len(opts.Key) + 90
	for _, p := range pairs {
		size += len(p.key) + len(p.value) + 2
	}

	var b strings.Builder
	b.Grow(size)
	opts.Endpoint.writeObjectURL(&b, opts.Bucket, opts.Key)
	b.WriteByte('?')
	start := b.Len()
	writeQuery(&b, pairs)
	// One buffer for the canonical request, then the string to sign over it, then the signature.
	buf := make([]byte, 0, size+256)
	buf = appendCanonicalRequest(buf, opts.Method, opts.Bucket, opts.Key, b.String()[start:], opts.Header, add)
	buf = appendStringToSign(buf[:0], buf, date, k.scope)
	sum := k.sign(buf[len(buf):], buf)
	var sig [2 * sha256.Size]byte
	hex.Encode(sig[:], sum)
	b.WriteString("&x-oss-signature=")
	b.Write(sig[:])
	return b.String(), nil
}

// appendQueryPairs appends the escaped parameters of q to pairs, unsorted, without the ones
// PresignV4 sets itself (a caller's x-oss-signature would not be what OSS checks, and a second
// x-oss-date or x-oss-expires would make the URL invalid).
func appendQueryPairs(pairs []queryPair, q url.Values) []queryPair {
	for k, vs := range q {
		switch k {
		case "x-oss-signature", "x-oss-signature-version", "x-oss-date", "x-oss-expires",
			"x-oss-credential", "x-oss-additional-headers", "x-oss-security-token":
			continue
		}
		ek := escape(k, false)
		if len(vs) == 0 {
			pairs = append(pairs, queryPair{ek, ""})
		}
		for _, v := range vs {
			pairs = append(pairs, queryPair{ek, escape(v, false)})
		}
	}
	return pairs
}
