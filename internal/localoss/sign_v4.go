package localoss

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

const (
	v4Algorithm      = "OSS4-HMAC-SHA256"
	v4Terminator     = "aliyun_v4_request"
	v4Product        = "oss"
	unsignedPayload  = "UNSIGNED-PAYLOAD"
	v4DateTimeFormat = "20060102T150405Z"
	v4DateFormat     = "20060102"
)

// rfc3986Escape percent-encodes every byte except A-Z a-z 0-9 - . _ ~ (and '/' when keepSlash),
// with upper-case hex.
func rfc3986Escape(s string, keepSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9',
			c == '-', c == '.', c == '_', c == '~', keepSlash && c == '/':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}

// v4CanonicalURI is "/bucket/key" RFC3986-encoded with '/' kept ("/" without a bucket).
func v4CanonicalURI(bucket, key string) string {
	if bucket == "" {
		return "/"
	}
	return rfc3986Escape("/"+bucket+"/"+key, true)
}

// v4CanonicalQuery encodes every query parameter except x-oss-signature, sorted by encoded key
// in byte order; a parameter with an empty value appears bare.
func v4CanonicalQuery(q url.Values) string {
	type pair struct{ k, v string }
	var pairs []pair
	for k, vs := range q {
		if k == "x-oss-signature" {
			continue
		}
		for _, v := range vs {
			pairs = append(pairs, pair{rfc3986Escape(k, false), rfc3986Escape(v, false)})
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	parts := make([]string, len(pairs))
	for i, p := range pairs {
		if p.v == "" {
			parts[i] = p.k
		} else {
			parts[i] = p.k + "=" + p.v
		}
	}
	return strings.Join(parts, "&")
}

// isDefaultSigned reports whether V4 signs a header without it being listed: content-type,
// content-md5 and x-oss-*.
func isDefaultSigned(lname string) bool {
	return lname == "content-type" || lname == "content-md5" || strings.HasPrefix(lname, "x-oss-")
}

// v4AdditionalHeaders normalises an AdditionalHeaders list the way the SDKs do: lower-cased,
// de-duplicated, sorted, without default-signed names and without names present reports absent.
func v4AdditionalHeaders(names []string, present func(lname string) bool) []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range names {
		l := strings.ToLower(strings.TrimSpace(n))
		if l == "" || seen[l] || isDefaultSigned(l) || (present != nil && !present(l)) {
			continue
		}
		seen[l] = true
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

// v4CanonicalHeaders returns "name:value\n" for every default-signed header in h plus the
// additional headers, sorted by name. host is the value used for a "host" additional header.
func v4CanonicalHeaders(h http.Header, host string, additional []string) string {
	vals := map[string]string{}
	add := func(lname string, vs []string) {
		v := strings.TrimSpace(strings.Join(vs, ","))
		if old, ok := vals[lname]; ok {
			v = old + "," + v
		}
		vals[lname] = v
	}
	for name, vs := range h {
		if l := strings.ToLower(name); isDefaultSigned(l) {
			add(l, vs)
		}
	}
	for _, l := range additional {
		if _, done := vals[l]; done {
			continue
		}
		if l == "host" && h.Values("Host") == nil {
			vals[l] = strings.TrimSpace(host)
			continue
		}
		add(l, h.Values(l))
	}
	names := make([]string, 0, len(vals))
	for n := range vals {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		b.WriteString(n + ":" + vals[n] + "\n")
	}
	return b.String()
}

// v4CanonicalRequest joins the parts of a V4 canonical request.
func v4CanonicalRequest(method, uri, query, headers string, additional []string, payloadHash string) string {
	return method + "\n" + uri + "\n" + query + "\n" + headers + "\n" + strings.Join(additional, ";") + "\n" + payloadHash
}

// v4Scope is yyyymmdd/region/product/aliyun_v4_request.
func v4Scope(date, region, product string) string {
	return date + "/" + region + "/" + product + "/" + v4Terminator
}

// v4StringToSign is "OSS4-HMAC-SHA256\n<datetime>\n<scope>\n<hex sha256(canonical request)>".
func v4StringToSign(datetime, scope, canonicalRequest string) string {
	sum := sha256.Sum256([]byte(canonicalRequest))
	return v4Algorithm + "\n" + datetime + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// v4SigningKey derives HMAC chain "aliyun_v4"+secret -> date -> region -> product -> aliyun_v4_request.
func v4SigningKey(secret, date, region, product string) []byte {
	k := hmacSHA256([]byte("aliyun_v4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, product)
	return hmacSHA256(k, v4Terminator)
}

// v4Signature is lower-case hex(HMAC-SHA256(signingKey, data)): the V4 header/URL signature, and
// the V4 PostObject signature when data is the policy's base64 text.
func v4Signature(signingKey []byte, data string) string {
	return hex.EncodeToString(hmacSHA256(signingKey, data))
}

// v4Credential is a parsed "ak/yyyymmdd/region/product/aliyun_v4_request".
type v4Credential struct {
	AccessKeyID, Date, Region, Product string
}

func parseV4Credential(s string) (v4Credential, bool) {
	parts := strings.Split(s, "/")
	if len(parts) != 5 || parts[0] == "" || parts[4] != v4Terminator || len(parts[1]) != 8 {
		return v4Credential{}, false
	}
	return v4Credential{AccessKeyID: parts[0], Date: parts[1], Region: parts[2], Product: parts[3]}, true
}
