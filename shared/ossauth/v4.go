package ossauth

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// V4 protocol constants.
const (
	// AlgorithmV4 is the value of x-oss-signature-version and the Authorization scheme.
	AlgorithmV4 = "OSS4-HMAC-SHA256"
	// Product is the product name in the V4 scope.
	Product = "oss"
	// UnsignedPayload is the payload hash that OSS V4 signatures use.
	UnsignedPayload = "UNSIGNED-PAYLOAD"
	// DateFormatV4 is the layout of x-oss-date (basic ISO 8601, UTC).
	DateFormatV4 = "20060102T150405Z"
	// ScopeDateFormat is the layout of the date in a V4 scope.
	ScopeDateFormat = "20060102"
	// MaxPresignExpiry is the longest validity OSS accepts for a V4 presigned URL or POST policy.
	MaxPresignExpiry = 7 * 24 * time.Hour
	terminator       = "aliyun_v4_request"
)

// StandardRegion returns the region ID that V4 scopes use: "oss-cn-hangzhou" becomes "cn-hangzhou".
func StandardRegion(region string) string { return strings.TrimPrefix(region, "oss-") }

// Scope returns the V4 credential scope "yyyymmdd/region/oss/aliyun_v4_request" for t (in UTC).
func Scope(t time.Time, region string) string {
	var b [64]byte
	return string(appendScope(b[:0], t, region))
}

// appendScope appends the V4 credential scope of t and region to b.
func appendScope(b []byte, t time.Time, region string) []byte {
	b = appendScopeDate(b, t)
	b = append(b, '/')
	b = append(b, StandardRegion(region)...)
	return append(b, "/"+Product+"/"+terminator...)
}

// Credential returns the x-oss-credential value "<AccessKeyId>/<scope>".
func Credential(accessKeyID string, t time.Time, region string) string {
	var b [128]byte
	return string(appendCredential(b[:0], accessKeyID, t, region))
}

func appendCredential(b []byte, accessKeyID string, t time.Time, region string) []byte {
	b = append(b, accessKeyID...)
	b = append(b, '/')
	return appendScope(b, t, region)
}

// SigningKey derives the V4 signing key for the UTC date of t, the region and the product "oss".
// The key is valid for every signature made that day with that secret and region; a Signer keeps
// the keys it derives.
func SigningKey(secret string, t time.Time, region string) []byte {
	k := deriveKey(secret, t.UTC(), StandardRegion(region))
	return k[:]
}

// SignWithKey returns the lower-case hex HMAC-SHA256 of stringToSign under a V4 signing key.
func SignWithKey(key []byte, stringToSign string) string {
	var hexSig [2 * sha256.Size]byte
	return string(appendSignature(hexSig[:0], key, []byte(stringToSign)))
}

// appendSignature appends the lower-case hex HMAC-SHA256 of stringToSign under key to b.
func appendSignature(b, key, stringToSign []byte) []byte {
	sum := hmacSHA256Sum(key, stringToSign)
	return hex.AppendEncode(b, sum[:])
}

// defaultSigned reports whether a header name (any case) is always part of a V4 signature.
func defaultSigned(name string) bool {
	return equalLower(name, "content-type") || equalLower(name, "content-md5") || hasPrefixLower(name, "x-oss-")
}

// additionalHeaders normalises the caller's additional header names the way OSS does: lower-cased,
// de-duplicated, sorted, without default-signed names and without names absent from the request.
func additionalHeaders(names []string, h http.Header) []string {
	var out []string
	for _, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		if n == "" || slices.Contains(out, n) || defaultSigned(n) || !hasHeader(h, n) {
			continue
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

func hasHeader(h http.Header, lower string) bool {
	for k := range h {
		if equalLower(foldName(k), lower) {
			return true
		}
	}
	return false
}

// CanonicalRequestV4 returns the V4 canonical request of r with the given (normalised) additional
// headers, and the payload hash taken from x-oss-content-sha256 or UNSIGNED-PAYLOAD.
func CanonicalRequestV4(r *Request, additional []string) string {
	return string(appendCanonicalRequestV4(nil, r, additional))
}

// signedHeader is a header of the canonical request: its name as sent and its trimmed value.
type signedHeader struct{ name, value string }

// appendCanonicalRequestV4 appends the canonical request of r to b (see CanonicalRequestV4).
func appendCanonicalRequestV4(b []byte, r *Request, additional []string) []byte {
	var hsArr [8]signedHeader
	hs := hsArr[:0]
	payload := UnsignedPayload
	size := len(r.Method) + 3*(len(r.Bucket)+len(r.Key)+2) + len(UnsignedPayload) + 8
	for k, vs := range r.Header {
		k = foldName(k)
		if !defaultSigned(k) && !containsLower(additional, k) {
			continue
		}
		v := joinValues(vs)
		if equalLower(k, "x-oss-content-sha256") && v != "" {
			payload = v
		}
		hs = append(hs, signedHeader{k, v})
		size += len(k) + len(v) + 2
	}
	sortHeaders(hs)
	for _, a := range additional {
		size += len(a) + 1
	}
	for k, vs := range r.Query {
		size += 3*len(k) + 2
		for _, v := range vs {
			size += 3*len(k) + 3*len(v) + 2
		}
	}
	if b == nil {
		b = make([]byte, 0, size)
	}

	b = append(b, r.Method...)
	b = append(b, '\n')
	if r.Bucket == "" {
		b = append(b, '/')
	} else {
		b = append(b, '/')
		b = appendEscape(b, r.Bucket, true)
		b = append(b, '/')
		b = appendEscape(b, r.Key, true)
	}
	b = append(b, '\n')
	b = appendQuery(b, r.Query, true)
	b = append(b, '\n')
	for _, h := range hs {
		b = appendLower(b, h.name)
		b = append(b, ':')
		b = append(b, h.value...)
		b = append(b, '\n')
	}
	b = append(b, '\n')
	for i, a := range additional {
		if i > 0 {
			b = append(b, ';')
		}
		b = append(b, a...)
	}
	b = append(b, '\n')
	return append(b, payload...)
}

// joinValues is strings.TrimSpace(strings.Join(vs, ",")), allocating only for several values.
func joinValues(vs []string) string {
	if len(vs) == 1 {
		return strings.TrimSpace(vs[0])
	}
	return strings.TrimSpace(strings.Join(vs, ","))
}

func containsLower(lowers []string, name string) bool {
	for _, l := range lowers {
		if equalLower(name, l) {
			return true
		}
	}
	return false
}

// canonicalQueryV4 encodes every parameter but x-oss-signature, sorted by encoded key in byte order;
// a parameter with an empty value appears as a bare key.
func canonicalQueryV4(q url.Values) string { return string(appendQuery(nil, q, true)) }

// queryPair is one parameter: its escaped key and its raw value.
type queryPair struct{ key, value string }

// appendQuery appends q to b, RFC 3986 escaped and sorted by escaped key, then escaped value; a
// parameter with an empty value is written bare; x-oss-signature is left out when skipSignature.
func appendQuery(b []byte, q url.Values, skipSignature bool) []byte {
	if len(q) == 0 {
		return b
	}
	var arr [16]queryPair
	pairs := arr[:0]
	for k, vs := range q {
		if skipSignature && k == "x-oss-signature" {
			continue
		}
		ek := escape(k, false)
		if len(vs) == 0 {
			pairs = append(pairs, queryPair{ek, ""})
		}
		for _, v := range vs {
			pairs = append(pairs, queryPair{ek, v})
		}
	}
	slices.SortFunc(pairs, func(a, b queryPair) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		if a.value == b.value {
			return 0
		}
		return strings.Compare(escape(a.value, false), escape(b.value, false)) // repeated keys only
	})
	for i, p := range pairs {
		if i > 0 {
			b = append(b, '&')
		}
		b = append(b, p.key...)
		if p.value != "" {
			b = append(b, '=')
			b = appendEscape(b, p.value, false)
		}
	}
	return b
}

func encodeQuery(q url.Values, skipSignature bool) string {
	if len(q) == 0 {
		return ""
	}
	n := 0
	for k, vs := range q {
		n += escapedLen(k, false) + 1
		for _, v := range vs {
			n += escapedLen(k, false) + escapedLen(v, false) + 2
		}
	}
	return string(appendQuery(make([]byte, 0, n), q, skipSignature))
}

// StringToSignV4 returns the V4 string to sign for a canonical request signed at t in region.
func StringToSignV4(canonicalRequest string, t time.Time, region string) string {
	var b [256]byte
	return string(appendStringToSignV4(b[:0], []byte(canonicalRequest), t, region))
}

// appendStringToSignV4 appends the V4 string to sign of a canonical request to b.
func appendStringToSignV4(b, canonicalRequest []byte, t time.Time, region string) []byte {
	sum := sha256.Sum256(canonicalRequest)
	b = append(b, AlgorithmV4+"\n"...)
	b = appendDateV4(b, t)
	b = append(b, '\n')
	b = appendScope(b, t, region)
	b = append(b, '\n')
	return hex.AppendEncode(b, sum[:])
}

// AuthorizeV4 signs r for header authorization at time now: it sets the x-oss-date and
// x-oss-content-sha256 headers (and x-oss-security-token for temporary credentials) on r.Header
// and returns the Authorization header value. additional names extra headers to sign (e.g. "host").
func AuthorizeV4(creds Credentials, r *Request, region string, additional []string, now time.Time) string {
	return authorizeV4(nil, creds, r, region, additional, now)
}

func authorizeV4(s *Signer, creds Credentials, r *Request, region string, additional []string, now time.Time) string {
	if r.Header == nil {
		r.Header = http.Header{}
	}
	var date [16]byte
	r.Header.Set("x-oss-date", string(appendDateV4(date[:0], now)))
	if r.Header.Get("x-oss-content-sha256") == "" {
		r.Header.Set("x-oss-content-sha256", UnsignedPayload)
	}
	if creds.SecurityToken != "" {
		r.Header.Set("x-oss-security-token", creds.SecurityToken)
	}
	add := additionalHeaders(additional, r.Header)
	var sts [256]byte
	toSign := appendStringToSignV4(sts[:0], appendCanonicalRequestV4(nil, r, add), now, region)
	key := s.signingKey(creds.AccessKeySecret, now, region)
	b := make([]byte, 0, 256+len(creds.AccessKeyID))
	b = append(b, AlgorithmV4+" Credential="...)
	b = appendCredential(b, creds.AccessKeyID, now, region)
	if len(add) > 0 {
		b = append(b, ",AdditionalHeaders="...)
		for i, a := range add {
			if i > 0 {
				b = append(b, ';')
			}
			b = append(b, a...)
		}
	}
	b = append(b, ",Signature="...)
	return string(appendSignature(b, key[:], toSign))
}

// PresignV4Options are the inputs of a V4 presigned URL beyond the request itself.
type PresignV4Options struct {
	// Region is the bucket's region ("cn-hangzhou"; "oss-cn-hangzhou" is accepted). Required.
	Region string
	// Expires is how long the URL stays valid after now, 1 second to 7 days. Required.
	Expires time.Duration
	// AdditionalHeaders names headers beyond Content-Type, Content-MD5 and x-oss-* that the
	// client must send exactly as in r.Header (e.g. "content-length" to pin the upload's size).
	AdditionalHeaders []string
}

// Errors returned for invalid presign inputs.
var (
	ErrExpiresRange = errors.New("ossauth: expiry must be between 1 second and 7 days")
	ErrNoRegion     = errors.New("ossauth: region is required for signature V4")
	ErrNoCredential = errors.New("ossauth: credentials are incomplete")
)

// PresignV4 returns the query of a V4 presigned URL for r, signed at now: r.Query plus
// x-oss-signature-version, x-oss-date, x-oss-expires, x-oss-credential, x-oss-additional-headers,
// x-oss-security-token (temporary credentials) and x-oss-signature. The URL authorises exactly r's
// method on r's /bucket/key, with the headers of r.Header that are signed, until now+Expires (and
// no longer than the credentials live).
func PresignV4(creds Credentials, r *Request, opts PresignV4Options, now time.Time) (url.Values, error) {
	return presignV4(nil, creds, r, opts, now)
}

func presignV4(s *Signer, creds Credentials, r *Request, opts PresignV4Options, now time.Time) (url.Values, error) {
	if !creds.Valid() {
		return nil, ErrNoCredential
	}
	if opts.Region == "" {
		return nil, ErrNoRegion
	}
	secs := int64(opts.Expires / time.Second)
	if secs < 1 || opts.Expires > MaxPresignExpiry {
		return nil, fmt.Errorf("%w: got %v", ErrExpiresRange, opts.Expires)
	}
	const added = 7
	q := make(url.Values, len(r.Query)+added)
	for k, v := range r.Query {
		q[k] = append([]string(nil), v...)
	}
	// One backing array for the added values; each slice is capped so that an append by the
	// caller copies instead of writing into its neighbour.
	vals := make([]string, 0, added)
	set := func(k, v string) {
		vals = append(vals, v)
		q[k] = vals[len(vals)-1 : len(vals) : len(vals)]
	}
	var buf [160]byte
	set("x-oss-signature-version", AlgorithmV4)
	set("x-oss-date", string(appendDateV4(buf[:0], now)))
	set("x-oss-expires", string(strconv.AppendInt(buf[:0], secs, 10)))
	set("x-oss-credential", string(appendCredential(buf[:0], creds.AccessKeyID, now, opts.Region)))
	add := additionalHeaders(opts.AdditionalHeaders, r.Header)
	if len(add) > 0 {
		set("x-oss-additional-headers", strings.Join(add, ";"))
	}
	if creds.SecurityToken != "" {
		set("x-oss-security-token", creds.SecurityToken)
	}
	signed := *r
	signed.Query = q
	var sts [256]byte
	toSign := appendStringToSignV4(sts[:0], appendCanonicalRequestV4(nil, &signed, add), now, opts.Region)
	key := s.signingKey(creds.AccessKeySecret, now, opts.Region)
	set("x-oss-signature", string(appendSignature(buf[:0], key[:], toSign)))
	return q, nil
}

// EncodeQuery encodes q for a URL with RFC 3986 escaping, sorted by key; a key with an empty
// value is written bare, as OSS's canonical form does.
func EncodeQuery(q url.Values) string { return encodeQuery(q, false) }

// sortHeaders orders signed headers by lower-cased name (then value), as both versions sign them.
func sortHeaders(hs []signedHeader) {
	slices.SortFunc(hs, func(a, b signedHeader) int {
		if c := compareLower(a.name, b.name); c != 0 {
			return c
		}
		return strings.Compare(a.value, b.value)
	})
}
