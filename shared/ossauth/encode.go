package ossauth

import "strings"

const upperhex = "0123456789ABCDEF"

// escape percent-encodes s as RFC 3986 does (everything but A-Z a-z 0-9 - . _ ~), in upper-case
// hex, keeping '/' when keepSlash is set. This is the encoding of V4 canonical URIs and queries.
// A string with nothing to escape is returned as is.
func escape(s string, keepSlash bool) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !unreserved(c) && !(c == '/' && keepSlash) {
			b := make([]byte, i, len(s)+16)
			copy(b, s)
			return string(appendEscaped(b, s[i:], keepSlash))
		}
	}
	return s
}

// writeEscaped writes s to b, escaped as escape does.
func writeEscaped(b *strings.Builder, s string, keepSlash bool) {
	var buf [256]byte
	b.Write(appendEscaped(buf[:0], s, keepSlash))
}

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// appendEscaped appends s to b, escaped as escape does.
func appendEscaped(b []byte, s string, keepSlash bool) []byte {
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || (c == '/' && keepSlash) {
			continue
		}
		b = append(b, s[start:i]...)
		b = append(b, '%', upperhex[c>>4], upperhex[c&15])
		start = i + 1
	}
	return append(b, s[start:]...)
}
