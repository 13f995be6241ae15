package fakests

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"sort"
	"strings"
)

// percentEncode encodes s per RFC 3986 as Alibaba's POP signature wants it: every byte outside
// A-Z a-z 0-9 - _ . ~ becomes %XX (upper-case hex), so a space is %20, '*' is %2A and '~' stays.
func percentEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_', c == '.', c == '~':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// stringToSign builds the RPC v1.0 string to sign: METHOD&%2F&percentEncode(canonical query), where
// the canonical query is every parameter except Signature, sorted by key, as k=v joined with '&',
// keys and values percent-encoded.
func stringToSign(method string, params map[string]string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		if k != "Signature" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	pairs := make([]string, len(keys))
	for i, k := range keys {
		pairs[i] = percentEncode(k) + "=" + percentEncode(params[k])
	}
	return method + "&" + percentEncode("/") + "&" + percentEncode(strings.Join(pairs, "&"))
}

// rpcSignature returns base64(HMAC-SHA1(secret+"&", stringToSign)).
func rpcSignature(method string, params map[string]string, secret string) string {
	m := hmac.New(sha1.New, []byte(secret+"&"))
	m.Write([]byte(stringToSign(method, params)))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// signatureMatches compares the expected and the given signature in constant time.
func signatureMatches(method string, params map[string]string, secret, given string) bool {
	return hmac.Equal([]byte(rpcSignature(method, params, secret)), []byte(given))
}
