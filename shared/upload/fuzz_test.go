package upload

import (
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/fc-oss-upload/fc-oss-upload/shared/userauth"
)

// The fuzz targets below take what a client controls (a filename, a content type, a size, a user id
// from a header) and check the invariants of the package doc: nothing a client sends can move a key
// out of the configured prefix or put odd bytes into it. Seeds: f.Add below and testdata/fuzz/.

var fuzzRules = Rules{
	Bucket: "b", Dir: "uploads/", MaxSize: 100 << 20, DefaultContentType: "application/octet-stream",
	Expires: 10 * time.Minute,
}

// checkKey fails t unless key is a key a client may be given: under dir, no dot or empty segments
// beyond those of dir, no backslash or control characters, at most MaxKeyBytes.
func checkKey(t *testing.T, dir, key string) {
	t.Helper()
	switch {
	case !strings.HasPrefix(key, dir):
		t.Fatalf("key %q is not under %q", key, dir)
	case len(key) > MaxKeyBytes:
		t.Fatalf("key is %d bytes, over %d", len(key), MaxKeyBytes)
	case !utf8.ValidString(key):
		t.Fatalf("key %q is not UTF-8", key)
	case strings.Contains(key, "//"), strings.Contains(key, `\`):
		t.Fatalf("key %q has // or a backslash", key)
	case strings.Contains(strings.TrimPrefix(key, dir), ".."):
		t.Fatalf("key %q has .. after the prefix", key)
	}
	for _, c := range key {
		if unicode.IsControl(c) {
			t.Fatalf("key %q has a control character", key)
		}
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "." || seg == ".." {
			t.Fatalf("key %q has a dot segment", key)
		}
	}
}

var extRE = regexp.MustCompile(`^\.[a-z0-9]{1,15}$`)

// fuzzTime maps any int64 to a time between 1970 and 9999, the range the server's clock can be in.
func fuzzTime(sec int64) time.Time {
	const maxSec = 253402300799 // 9999-12-31T23:59:59Z
	if sec < 0 {
		sec = -(sec + 1)
	}
	return time.Unix(sec%(maxSec+1), 0)
}

func fuzzID(b []byte) (id [16]byte) {
	copy(id[:], b)
	return id
}

// FuzzIntent runs a client's filename, content type and size through everything a handler does with
// them: CheckIntent, ContentType (with and without an allow-list), extension and ObjectKey.
func FuzzIntent(f *testing.F) {
	for _, s := range []struct {
		name, ct string
		size     int64
	}{
		{"photo.png", "", 10},
		{"中文 a+b~(1).png", "", -1},
		{"a+b/c%20d e~f(1).JPG", "image/jpeg", 1},
		{"../../etc/passwd", "", -1},
		{"..\\..\\boot.ini", "", -1},
		{"a\x00.png", "image/png", 0},
		{`a"],["starts-with","$key","`, `image/png"],["starts-with","$key","`, -1},
		{strings.Repeat("a", 300) + ".png", "", -1},
		{"x.tar.gz", "text/plain; charset=utf-8", 5},
		{"file.", "image/png\r\nX-Evil: 1", -2},
		{"\xff\xfe.png", "", 1 << 40},
		{".htaccess", "Text/HTML; Charset=\"UTF-8\"", 0},
	} {
		f.Add(s.name, s.ct, s.size)
	}
	limited := fuzzRules
	limited.AllowedTypes = []string{"image/png", "image/jpeg", "text/plain"}
	f.Fuzz(func(t *testing.T, filename, contentType string, size int64) {
		in := Intent{Filename: filename, ContentType: contentType, Size: size}
		err := fuzzRules.CheckIntent(in)
		if err != nil {
			if c := AsError(err).Code; c != CodeInvalidArgument && c != CodePayloadTooLarge {
				t.Fatalf("CheckIntent: code %q for %v", c, err)
			}
		} else {
			// What CheckIntent lets through is what the handlers use.
			if len(filename) > maxFilenameBytes || !utf8.ValidString(filename) || strings.ContainsRune(filename, '\\') ||
				size < -1 || size > fuzzRules.MaxSize {
				t.Fatalf("CheckIntent accepted %+v", in)
			}
			for _, c := range filename {
				if unicode.IsControl(c) {
					t.Fatalf("CheckIntent accepted a control character in %q", filename)
				}
			}
		}

		ext := extension(filename)
		if ext != "" && (!extRE.MatchString(ext) || len(ext) > maxExtensionBytes) {
			t.Fatalf("extension(%q) = %q", filename, ext)
		}

		for _, r := range []Rules{fuzzRules, limited} {
			ct, err := r.ContentType(in)
			if err != nil {
				if c := AsError(err).Code; c != CodeInvalidArgument && c != CodeUnsupportedMediaType {
					t.Fatalf("ContentType: code %q for %v", c, err)
				}
				continue
			}
			if len(r.AllowedTypes) > 0 && !r.typeAllowed(ct) {
				t.Fatalf("ContentType(%+v) = %q, not allowed", in, ct)
			}
			// The type becomes a signed header and a policy value: no line breaks or controls.
			for _, c := range ct {
				if unicode.IsControl(c) {
					t.Fatalf("ContentType(%+v) = %q has a control character", in, ct)
				}
			}
			if ct != "" && !strings.Contains(ct, "/") {
				t.Fatalf("ContentType(%+v) = %q is not a media type", in, ct)
			}
		}

		key := ObjectKey(fuzzRules.Dir, in, fuzzID([]byte(filename)), fuzzTime(size))
		checkKey(t, fuzzRules.Dir, key)
		if !strings.HasSuffix(key, ext) {
			t.Fatalf("ObjectKey(%q) = %q does not end in %q", filename, key, ext)
		}
	})
}

// FuzzObjectKey derives keys under any prefix CheckDir accepts (the configured OSS_UPLOAD_DIR) and
// any user segment userauth.Segment makes of a verified user claim.
func FuzzObjectKey(f *testing.F) {
	f.Add("uploads/", "alice", "photo.png", []byte{1, 2, 3}, int64(1767312000))
	f.Add("a/b/c/", "bob@example.com", "中文 a+b~(1).png", []byte("0123456789abcdef"), int64(0))
	f.Add("用户/", "../../x", "../../etc/passwd", []byte{}, int64(-1))
	f.Add("uploads/", "..", "a.png", []byte{0xff}, int64(253402300799))
	f.Add("uploads/", ".", "a.png", []byte{0xff}, int64(253402300799))
	f.Add("a/../b/", "x", "a.png", []byte{}, int64(1))
	f.Add("a//b/", "x", "a.png", []byte{}, int64(1))
	f.Add(strings.Repeat("d/", 447), strings.Repeat("z", 100), "x."+strings.Repeat("a", 15), []byte{}, int64(1))
	f.Add("uploads/", "李雷 <x@y>", "a.png", []byte{}, int64(1))
	f.Add("uploads/", "a\x00b\r\nc", "a\x00.png", []byte{}, int64(1))
	f.Add("uploads/", `a"],["starts-with","$key","`, "x.png", []byte{}, int64(1))
	f.Add("uploads/", "...", "x.png", []byte{}, int64(1))
	f.Add("up?oads/", "x", "x.png", []byte{}, int64(1))
	f.Add("${ram:UserName}/", "x", "x.png", []byte{}, int64(1))
	f.Fuzz(func(t *testing.T, dir, user, filename string, id []byte, sec int64) {
		if err := CheckDir(dir); err != nil {
			return // start-up refuses this OSS_UPLOAD_DIR
		}
		if len(dir) > MaxKeyBytes-128 || strings.Contains(dir, "//") || strings.HasPrefix(dir, "/") || strings.ContainsAny(dir, "*?$") {
			t.Fatalf("CheckDir accepted %q", dir)
		}
		checkKey(t, dir, ObjectKey(dir, Intent{Filename: filename}, fuzzID(id), fuzzTime(sec)))
		// A multipart key carries its size, which CheckIssuedKey reads back exactly.
		size := sec & (1<<46 - 1) // up to 14 digits, over OSS's object limit
		mk := MultipartKey(dir, Intent{Filename: filename}, fuzzID(id), fuzzTime(sec), size)
		checkKey(t, dir, mk)
		if got, err := CheckIssuedKey(dir, mk); err != nil || got != size {
			t.Fatalf("CheckIssuedKey(%q) = %d, %v; want %d", mk, got, err, size)
		}

		if user == "" {
			return // the verifier refuses an empty user claim
		}
		seg := userauth.Segment(user)
		ud := dir + seg + "/"
		if len(ud) > MaxKeyBytes-128 {
			return // config refuses a prefix this long with per-user uploads on
		}
		if !userSegRE.MatchString(seg) || strings.Trim(seg, ".") == "" {
			t.Fatalf("Segment(%q) = %q is not one safe segment", user, seg)
		}
		// The user segment may hold dots ("a..b"), never as a whole segment; checkKey checks the rest.
		checkKey(t, ud, ObjectKey(ud, Intent{Filename: filename}, fuzzID(id), fuzzTime(sec)))
	})
}

var userSegRE = regexp.MustCompile(`^[A-Za-z0-9._@~-]{1,100}$`)
