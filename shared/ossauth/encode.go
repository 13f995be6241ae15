package ossauth

import "strings"

const upperhex = "0123456789ABCDEF"

// escape percent-encodes s as RFC 3986 does (everything but A-Z a-z 0-9 - . _ ~), in upper-case
// hex, keeping '/' when keepSlash is set. This is the encoding of V4 canonical URIs and queries.
func escape(s string, keepSlash bool) string {
	var b strings.Builder
	writeEscaped(&b, s, keepSlash)
	return b.String()
}

// writeEscaped writes s to b, escaped as escape does.
func writeEscaped(b *strings.Builder, s string, keepSlash bool) {
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || (c == '/' && keepSlash) {
			continue
		}
		b.WriteString(s[start:i])
		b.WriteByte('%')
		b.WriteByte(upperhex[c>>4])
		b.WriteByte(upperhex[c&15])
		start = i + 1
	}
	b.WriteString(s[start:])
}

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}
