package ossauth

import (
	"strings"
	"time"
)

const upperhex = "0123456789ABCDEF"

// escape percent-encodes s as RFC 3986 does (everything but A-Z a-z 0-9 - . _ ~), in upper-case
// hex, keeping '/' when keepSlash is set. This is the encoding of V4 canonical URIs and queries.
// A string with nothing to encode is returned as is, without allocating.
func escape(s string, keepSlash bool) string {
	n := escapedLen(s, keepSlash)
	if n == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(n)
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c, keepSlash) {
			continue
		}
		b.WriteString(s[start:i])
		b.WriteByte('%')
		b.WriteByte(upperhex[c>>4])
		b.WriteByte(upperhex[c&15])
		start = i + 1
	}
	b.WriteString(s[start:])
	return b.String()
}

// escapedLen is the length of s once escaped.
func escapedLen(s string, keepSlash bool) int {
	n := len(s)
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i], keepSlash) {
			n += 2
		}
	}
	return n
}

// appendEscape appends s to b, escaped as escape does.
func appendEscape(b []byte, s string, keepSlash bool) []byte {
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c, keepSlash) {
			continue
		}
		b = append(b, s[start:i]...)
		b = append(b, '%', upperhex[c>>4], upperhex[c&15])
		start = i + 1
	}
	return append(b, s[start:]...)
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

// appendLower appends s to b with A-Z lower-cased.
func appendLower(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}

// compareLower compares a and b with A-Z lower-cased, without allocating.
func compareLower(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		ca, cb := a[i], b[i]
		if 'A' <= ca && ca <= 'Z' {
			ca += 'a' - 'A'
		}
		if 'A' <= cb && cb <= 'Z' {
			cb += 'a' - 'A'
		}
		if ca != cb {
			if ca < cb {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(a) < len(b):
		return -1
	case len(a) > len(b):
		return 1
	}
	return 0
}

// equalLower reports whether s with A-Z lower-cased equals lower.
func equalLower(s, lower string) bool {
	return len(s) == len(lower) && hasPrefixLower(s, lower)
}

// hasPrefixLower reports whether s with A-Z lower-cased starts with the lower-case prefix.
func hasPrefixLower(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
}

// foldName returns a header name that the ASCII-only helpers above treat as strings.ToLower would:
// the name itself when it is ASCII (the only valid kind), else its Unicode lower case.
func foldName(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return strings.ToLower(s)
		}
	}
	return s
}

// appendScopeDate appends the UTC date of t as yyyymmdd (ScopeDateFormat).
func appendScopeDate(b []byte, t time.Time) []byte {
	t = t.UTC()
	y, m, d := t.Date()
	if y < 0 || y > 9999 {
		return t.AppendFormat(b, ScopeDateFormat)
	}
	return append(b, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10),
		byte('0'+m/10), byte('0'+m%10), byte('0'+d/10), byte('0'+d%10))
}

// appendDateV4 appends t in UTC as yyyymmddTHHMMSSZ (DateFormatV4).
func appendDateV4(b []byte, t time.Time) []byte {
	t = t.UTC()
	if y := t.Year(); y < 0 || y > 9999 {
		return t.AppendFormat(b, DateFormatV4)
	}
	b = appendScopeDate(b, t)
	h, m, s := t.Clock()
	return append(b, 'T', byte('0'+h/10), byte('0'+h%10), byte('0'+m/10), byte('0'+m%10), byte('0'+s/10), byte('0'+s%10), 'Z')
}
