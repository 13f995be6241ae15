package userauth

import (
	"crypto/sha256"
	"encoding/base32"
	"strings"
)

// MaxSegmentBytes bounds a user segment.
const MaxSegmentBytes = 100

// hashedKeep is how many bytes of the escaped id a hashed segment keeps, for readability.
const hashedKeep = MaxSegmentBytes - 2 - hashChars

// hashChars is the length of the digest in a hashed segment: 32 base32 characters, 160 bits of
// SHA-256.
const hashChars = 32

var hashEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// safeByte reports whether b stands for itself in a segment: ASCII letters, digits and - _ . @.
func safeByte(b byte) bool {
	return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || b == '-' || b == '_' || b == '.' || b == '@'
}

const hexDigits = "0123456789ABCDEF"

// Segment returns the key segment of a user id, without slashes: an injective encoding, so two
// distinct ids never share a segment.
//
//   - A byte in [A-Za-z0-9-_.@] stands for itself, so an id made of those is its own segment
//     ("alice", "a_b@x.com"); any other byte is "~" and two upper-case hex digits
//     ("a+b@x.com" is "a~2Bb@x.com", "张三" is "~E5~BC~A0~E4~B8~89"). An id made only of dots has
//     every dot escaped, so no segment is "." or "..".
//   - When that is over MaxSegmentBytes, the segment is the first bytes of it (cut between
//     escapes), "~~", and 32 base32 characters of the id's SHA-256 digest. "~~" never occurs in an
//     escaped id, so a hashed segment never equals an escaped one; two hashed ones are equal only
//     for ids with equal 160-bit digests.
//
// A segment is 1 to MaxSegmentBytes bytes of [A-Za-z0-9-_.@~a-z2-7] (no / * ? \ $ or space), and
// never "." or "..". The empty id has no segment: callers refuse it first.
func Segment(user string) string {
	var b strings.Builder
	allDots := strings.Trim(user, ".") == ""
	for i := 0; i < len(user); i++ {
		c := user[i]
		if safeByte(c) && !(allDots && c == '.') {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('~')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	seg := b.String()
	if len(seg) <= MaxSegmentBytes {
		return seg
	}
	keep := seg[:hashedKeep]
	if i := strings.LastIndexByte(keep, '~'); i >= 0 && i > len(keep)-3 {
		keep = keep[:i] // never cut an escape
	}
	sum := sha256.Sum256([]byte(user))
	return keep + "~~" + hashEncoding.EncodeToString(sum[:])[:hashChars]
}
