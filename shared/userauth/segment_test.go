package userauth

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSegmentCollisionPairs(t *testing.T) {
	t.Parallel()
	id64 := strings.Repeat("a", 64)
	long := strings.Repeat("x", 300)
	for _, pair := range [][2]string{
		{"张三", "李四"},
		{"a+b@x.com", "a_b@x.com"},
		{id64 + "b", id64},
		{long + "1", long + "2"}, // both hashed
		{"a~2Bb@x.com", "a+b@x.com"},
		{".", "~2E"},
		{"A", "a"},
		{"alice", "alice "},
	} {
		a, b := Segment(pair[0]), Segment(pair[1])
		if a == b {
			t.Errorf("%q and %q share the segment %q", pair[0], pair[1], a)
		}
	}
}

func TestSegmentForms(t *testing.T) {
	t.Parallel()
	// Expected values are the rule written out by hand: safe bytes kept, others as ~ and upper-case
	// hex of their UTF-8 bytes (张 is E5 BC A0, 三 is E4 B8 89, + is 2B, space 20, / 2F, . 2E).
	for user, want := range map[string]string{
		"alice":                "alice",
		"a_b@x.com":            "a_b@x.com",
		"auth0|5f7c8ec7c33c6c": "auth0~7C5f7c8ec7c33c6c",
		"a+b@x.com":            "a~2Bb@x.com",
		"张三":                   "~E5~BC~A0~E4~B8~89",
		"../x":                 "..~2Fx",
		".":                    "~2E",
		"..":                   "~2E~2E",
		"a b":                  "a~20b",
		"~":                    "~7E",
	} {
		if got := Segment(user); got != want {
			t.Errorf("Segment(%q) = %q, want %q", user, got, want)
		}
	}
}

// checkSegment asserts what every segment must be.
func checkSegment(t *testing.T, user, seg string) {
	t.Helper()
	if seg == "" || len(seg) > MaxSegmentBytes || seg == "." || seg == ".." || strings.ContainsAny(seg, "/*?\\$ ") {
		t.Fatalf("Segment(%q) = %q is not one safe segment", user, seg)
	}
	for i := 0; i < len(seg); i++ {
		if c := seg[i]; !safeByte(c) && c != '~' {
			t.Fatalf("Segment(%q) = %q holds byte %q", user, seg, c)
		}
	}
	decoded, ok := decodeSegment(seg)
	hashed := strings.Contains(seg, "~~")
	switch {
	case hashed && ok:
		t.Fatalf("hashed segment %q of %q decodes", seg, user)
	case !hashed && (!ok || decoded != user):
		// Segment is injective where it does not hash: decodeSegment inverts it.
		t.Fatalf("Segment(%q) = %q decodes to %q, %v", user, seg, decoded, ok)
	case !hashed && utf8.ValidString(user) && strings.Trim(user, ".") != "" && strings.IndexFunc(user, func(r rune) bool { return r >= utf8.RuneSelf || !safeByte(byte(r)) }) < 0 && seg != user:
		t.Fatalf("safe id %q was changed to %q", user, seg)
	}
}

// FuzzSegment: every segment is one safe segment, unhashed segments decode back to their id
// (so no two ids share one), hashed ones never decode (so they never equal an unhashed one), and
// two distinct ids never share a segment.
func FuzzSegment(f *testing.F) {
	for _, s := range []string{"alice", "张三", "李四", "a+b@x.com", "a_b@x.com", ".", "..", "~", "~~", strings.Repeat("a", 65),
		strings.Repeat("a", 100), strings.Repeat("a", 101), strings.Repeat("张", 40), strings.Repeat("~", 34) + "a"} {
		f.Add(s, s+"x")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if a == "" || b == "" {
			return
		}
		sa, sb := Segment(a), Segment(b)
		checkSegment(t, a, sa)
		checkSegment(t, b, sb)
		if a != b && sa == sb {
			t.Fatalf("%q and %q share the segment %q", a, b, sa)
		}
		if Segment(a) != sa {
			t.Fatalf("Segment(%q) is not deterministic", a)
		}
	})
}

func TestSegmentLongIDs(t *testing.T) {
	t.Parallel()
	for _, n := range []int{99, 100, 101, 1000} {
		for _, unit := range []string{"a", "+", "张"} {
			user := strings.Repeat(unit, n)
			checkSegment(t, user, Segment(user))
		}
	}
	// Long ids that differ only past the readable part still get distinct segments.
	seen := map[string]string{}
	for i := range 1000 {
		user := strings.Repeat("u", 200) + string(rune('a'+i%26)) + strings.Repeat("v", i/26)
		seg := Segment(user)
		if prev, dup := seen[seg]; dup {
			t.Fatalf("%q and %q share %q", prev, user, seg)
		}
		seen[seg] = user
	}
}

// decodeSegment inverts Segment for segments that are not hashed; ok is false for a hashed or
// malformed one: the tests prove Segment injective with it.
func decodeSegment(seg string) (user string, ok bool) {
	var b strings.Builder
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		if c != '~' {
			if !safeByte(c) {
				return "", false
			}
			b.WriteByte(c)
			continue
		}
		if i+2 >= len(seg) {
			return "", false
		}
		hi, lo := strings.IndexByte(hexDigits, seg[i+1]), strings.IndexByte(hexDigits, seg[i+2])
		if hi < 0 || lo < 0 {
			return "", false
		}
		b.WriteByte(byte(hi<<4 | lo))
		i += 2
	}
	return b.String(), true
}
