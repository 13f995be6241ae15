package ossauth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
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
	return t.UTC().Format(ScopeDateFormat) + "/" + StandardRegion(region) + "/" + Product + "/" + terminator
}

// Credential returns the x-oss-credential value "<AccessKeyId>/<scope>".
func Credential(accessKeyID string, t time.Time, region string) string {
	return accessKeyID + "/" + Scope(t, region)
}

// SigningKey derives the V4 signing key for the UTC date of t, the region and the product "oss".
// The key is valid for every signature made that day with that secret and region.
func SigningKey(secret string, t time.Time, region string) []byte {
	return signingKey(secret, t.UTC().Format(ScopeDateFormat), StandardRegion(region), Product)
}

func signingKey(secret, date, region, product string) []byte {
	k := hmacSHA256([]byte("aliyun_v4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, product)
	return hmacSHA256(k, terminator)
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

// SignWithKey returns the lower-case hex HMAC-SHA256 of stringToSign under a V4 signing key.
func SignWithKey(key []byte, stringToSign string) string {
	return hex.EncodeToString(hmacSHA256(key, stringToSign))
}

// defaultSigned reports whether a lower-case header name is always part of a V4 signature.
func defaultSigned(name string) bool {
	return name == "content-type" || name == "content-md5" || strings.HasPrefix(name, "x-oss-")
}

// additionalHeaders normalises the caller's additional header names the way OSS does: lower-cased,
// de-duplicated, sorted, without default-signed names and without names absent from the request.
func additionalHeaders(names []string, h http.Header) []string {
	var out []string
	seen := map[string]bool{}
	for _, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		if n == "" || seen[n] || defaultSigned(n) || !hasHeader(h, n) {
			continue
		}
		seen[n] = true
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func hasHeader(h http.Header, lower string) bool {
	for k := range h {
		if strings.ToLower(k) == lower {
			return true
		}
	}
	return false
}

// CanonicalRequestV4 returns the V4 canonical request of r with the given (normalised) additional
// headers, and the payload hash taken from x-oss-content-sha256 or UNSIGNED-PAYLOAD.
func CanonicalRequestV4(r *Request, additional []string) string {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(escape(r.resource(), true))
	b.WriteByte('\n')
	b.WriteString(canonicalQueryV4(r.Query))
	b.WriteByte('\n')

	extra := map[string]bool{}
	for _, n := range additional {
		extra[n] = true
	}
	type kv struct{ k, v string }
	var hs []kv
	payload := UnsignedPayload
	for k, vs := range r.Header {
		lk := strings.ToLower(k)
		if !defaultSigned(lk) && !extra[lk] {
			continue
		}
		v := strings.TrimSpace(strings.Join(vs, ","))
		if lk == "x-oss-content-sha256" && v != "" {
			payload = v
		}
		hs = append(hs, kv{lk, v})
	}
	sort.Slice(hs, func(i, j int) bool { return hs[i].k < hs[j].k })
	for _, h := range hs {
		b.WriteString(h.k)
		b.WriteByte(':')
		b.WriteString(h.v)
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(additional, ";"))
	b.WriteByte('\n')
	b.WriteString(payload)
	return b.String()
}

// canonicalQueryV4 encodes every parameter but x-oss-signature, sorted by encoded key in byte order;
// a parameter with an empty value appears as a bare key.
func canonicalQueryV4(q url.Values) string { return encodeQuery(q, true) }

func encodeQuery(q url.Values, skipSignature bool) string {
	if len(q) == 0 {
		return ""
	}
	type kv struct{ k, v string }
	pairs := make([]kv, 0, len(q))
	for k, vs := range q {
		if skipSignature && k == "x-oss-signature" {
			continue
		}
		ek := escape(k, false)
		if len(vs) == 0 {
			pairs = append(pairs, kv{ek, ""})
		}
		for _, v := range vs {
			pairs = append(pairs, kv{ek, escape(v, false)})
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		if p.v != "" {
			b.WriteByte('=')
			b.WriteString(p.v)
		}
	}
	return b.String()
}

// StringToSignV4 returns the V4 string to sign for a canonical request signed at t in region.
func StringToSignV4(canonicalRequest string, t time.Time, region string) string {
	sum := sha256.Sum256([]byte(canonicalRequest))
	return AlgorithmV4 + "\n" + t.UTC().Format(DateFormatV4) + "\n" + Scope(t, region) + "\n" + hex.EncodeToString(sum[:])
}

// AuthorizeV4 signs r for header authorization at time now: it sets the x-oss-date and
// x-oss-content-sha256 headers (and x-oss-security-token for temporary credentials) on r.Header
// and returns the Authorization header value. additional names extra headers to sign (e.g. "host").
func AuthorizeV4(creds Credentials, r *Request, region string, additional []string, now time.Time) string {
	if r.Header == nil {
		r.Header = http.Header{}
	}
	r.Header.Set("x-oss-date", now.UTC().Format(DateFormatV4))
	if r.Header.Get("x-oss-content-sha256") == "" {
		r.Header.Set("x-oss-content-sha256", UnsignedPayload)
	}
	if creds.SecurityToken != "" {
		r.Header.Set("x-oss-security-token", creds.SecurityToken)
	}
	add := additionalHeaders(additional, r.Header)
	sts := StringToSignV4(CanonicalRequestV4(r, add), now, region)
	sig := SignWithKey(SigningKey(creds.AccessKeySecret, now, region), sts)
	auth := AlgorithmV4 + " Credential=" + Credential(creds.AccessKeyID, now, region)
	if len(add) > 0 {
		auth += ",AdditionalHeaders=" + strings.Join(add, ";")
	}
	return auth + ",Signature=" + sig
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
	q := url.Values{}
	for k, v := range r.Query {
		q[k] = append([]string(nil), v...)
	}
	q.Set("x-oss-signature-version", AlgorithmV4)
	q.Set("x-oss-date", now.UTC().Format(DateFormatV4))
	q.Set("x-oss-expires", strconv.FormatInt(secs, 10))
	q.Set("x-oss-credential", Credential(creds.AccessKeyID, now, opts.Region))
	add := additionalHeaders(opts.AdditionalHeaders, r.Header)
	if len(add) > 0 {
		q.Set("x-oss-additional-headers", strings.Join(add, ";"))
	}
	if creds.SecurityToken != "" {
		q.Set("x-oss-security-token", creds.SecurityToken)
	}
	signed := *r
	signed.Query = q
	sts := StringToSignV4(CanonicalRequestV4(&signed, add), now, opts.Region)
	q.Set("x-oss-signature", SignWithKey(SigningKey(creds.AccessKeySecret, now, opts.Region), sts))
	return q, nil
}

// EncodeQuery encodes q for a URL with RFC 3986 escaping, sorted by key; a key with an empty
// value is written bare, as OSS's canonical form does.
func EncodeQuery(q url.Values) string { return encodeQuery(q, false) }
