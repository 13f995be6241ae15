package ossauth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"
	"time"
)

// V4 protocol constants, from OSS's "V4 signatures in presigned URLs" reference
// (https://help.aliyun.com/en/oss/developer-reference/add-signatures-to-urls).
const (
	// MaxPresignExpiry is the longest validity OSS accepts for a V4 presigned URL or POST policy.
	MaxPresignExpiry = 7 * 24 * time.Hour

	algorithmV4     = "OSS4-HMAC-SHA256" // x-oss-signature-version
	dateFormatV4    = "20060102T150405Z" // x-oss-date: basic ISO 8601, UTC
	scopeDateFormat = "20060102"
	unsignedPayload = "UNSIGNED-PAYLOAD"
	terminator      = "aliyun_v4_request"
)

// StandardRegion returns the region ID that V4 scopes use: "oss-cn-hangzhou" becomes "cn-hangzhou".
func StandardRegion(region string) string { return strings.TrimPrefix(region, "oss-") }

// scope is the credential scope "yyyymmdd/region/oss/aliyun_v4_request" of t (in UTC).
func scope(t time.Time, region string) string {
	return t.UTC().Format(scopeDateFormat) + "/" + StandardRegion(region) + "/oss/" + terminator
}

// hmacSHA256 is HMAC-SHA256 of data under key.
func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

// deriveKey is the V4 signing key of secret for the UTC date of t and region: valid for every
// signature of that day, secret and region.
func deriveKey(secret string, t time.Time, region string) []byte {
	k := hmacSHA256([]byte("aliyun_v4"+secret), t.UTC().Format(scopeDateFormat))
	k = hmacSHA256(k, StandardRegion(region))
	k = hmacSHA256(k, "oss")
	return hmacSHA256(k, terminator)
}

// appendStringToSign appends to b the V4 string to sign of a canonical request signed at date
// (yyyymmddTHHMMSSZ) in scope. b may share canonicalRequest's array: it is hashed first.
func appendStringToSign(b, canonicalRequest []byte, date, scope string) []byte {
	sum := sha256.Sum256(canonicalRequest)
	b = append(b, algorithmV4+"\n"...)
	b = append(b, date...)
	b = append(b, '\n')
	b = append(b, scope...)
	b = append(b, '\n')
	return hex.AppendEncode(b, sum[:])
}

// defaultSigned reports whether a lower-case header name is always part of a V4 signature.
func defaultSigned(lower string) bool {
	return lower == "content-type" || lower == "content-md5" || strings.HasPrefix(lower, "x-oss-")
}

// additionalHeaders normalises the caller's additional header names the way OSS does: lower-cased,
// de-duplicated, sorted, without default-signed names and without names absent from h.
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
		if strings.ToLower(k) == lower {
			return true
		}
	}
	return false
}

// queryPair is one query parameter, its key and value both escaped.
type queryPair struct{ key, value string }

// sortPairs orders parameters as the V4 canonical query does: by escaped key, then escaped value.
func sortPairs(ps []queryPair) {
	slices.SortFunc(ps, func(a, b queryPair) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		return strings.Compare(a.value, b.value)
	})
}

// writeQuery writes sorted pairs joined by '&', a pair with an empty value as its bare key. This is
// both the V4 canonical query and the query of the URL (which adds x-oss-signature after it).
func writeQuery(b *strings.Builder, ps []queryPair) {
	for i, p := range ps {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.key)
		if p.value != "" {
			b.WriteByte('=')
			b.WriteString(p.value)
		}
	}
}

// appendCanonicalRequest appends to b the V4 canonical request: method, the escaped /bucket/key,
// the canonical query, every default-signed or additional header (lower-cased name, trimmed values
// joined by ','), the additional header names and the payload hash (x-oss-content-sha256 or
// UNSIGNED-PAYLOAD).
func appendCanonicalRequest(b []byte, method, bucket, key, query string, h http.Header, additional []string) []byte {
	type header struct{ name, value string }
	var arr [8]header
	hs := arr[:0]
	payload := unsignedPayload
	for k, vs := range h {
		k = strings.ToLower(k)
		if !defaultSigned(k) && !slices.Contains(additional, k) {
			continue
		}
		v := strings.TrimSpace(strings.Join(vs, ","))
		if k == "x-oss-content-sha256" && v != "" {
			payload = v
		}
		hs = append(hs, header{k, v})
	}
	slices.SortFunc(hs, func(a, b header) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		return strings.Compare(a.value, b.value)
	})
	b = append(b, method...)
	b = append(b, "\n/"...)
	if bucket != "" {
		b = appendEscaped(b, bucket, true)
		b = append(b, '/')
		b = appendEscaped(b, key, true)
	}
	b = append(b, '\n')
	b = append(b, query...)
	b = append(b, '\n')
	for _, h := range hs {
		b = append(b, h.name...)
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
