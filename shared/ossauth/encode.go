package ossauth

import "strings"

const upperhex = "0123456789ABCDEF"

// escape percent-encodes s as RFC 3986 does (everything but A-Z a-z 0-9 - . _ ~), in upper-case
// hex, keeping '/' when keepSlash is set. This is the encoding of V4 canonical URIs and queries.
func escape(s string, keepSlash bool) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i], keepSlash) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c, keepSlash) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(upperhex[c>>4])
		b.WriteByte(upperhex[c&15])
	}
	return b.String()
}

func unreserved(c byte, keepSlash bool) bool {
	switch {
	case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		return true
	case c == '-', c == '.', c == '_', c == '~':
		return true
	case c == '/':
		return keepSlash
	}
	return false
}

// EscapePath percent-encodes an object key for a URL path, keeping '/' (RFC 3986).
func EscapePath(key string) string { return escape(key, true) }

// EscapeQuery percent-encodes a query key or value (RFC 3986, '/' encoded as %2F).
func EscapeQuery(s string) string { return escape(s, false) }
