package upload

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var rules = Rules{Bucket: "b", Dir: "uploads/", MaxSize: 1000, DefaultContentType: "application/octet-stream", Expires: time.Minute}

func code(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func TestCheckIntent(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   Intent
		want Code
	}{
		{Intent{Filename: "a.png", Size: 10}, ""},
		{Intent{Filename: "中文 a+b~(1).png", Size: -1}, ""},
		{Intent{Filename: "../../etc/passwd", Size: -1}, ""}, // neutralised: only the extension is used
		{Intent{Filename: `a\b.png`, Size: -1}, CodeInvalidArgument},
		{Intent{Filename: "a\x00.png", Size: -1}, CodeInvalidArgument},
		{Intent{Filename: "a\n.png", Size: -1}, CodeInvalidArgument},
		{Intent{Filename: "\xff.png", Size: -1}, CodeInvalidArgument},
		{Intent{Filename: strings.Repeat("a", 256), Size: -1}, CodeInvalidArgument},
		{Intent{ContentType: strings.Repeat("a", 256), Size: -1}, CodeInvalidArgument},
		{Intent{Size: 1000}, ""},
		{Intent{Size: 1001}, CodePayloadTooLarge},
		{Intent{Size: -2}, CodeInvalidArgument},
	}
	for _, c := range cases {
		if got := code(rules.CheckIntent(c.in)); got != c.want {
			t.Errorf("CheckIntent(%+v) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestContentType(t *testing.T) {
	t.Parallel()
	limited := rules
	limited.AllowedTypes = []string{"image/png", "image/jpeg"}
	cases := []struct {
		r        Rules
		in       Intent
		want     string
		wantCode Code
	}{
		{rules, Intent{ContentType: "image/png"}, "image/png", ""},
		{rules, Intent{ContentType: "Text/Plain; Charset=UTF-8"}, "text/plain; charset=UTF-8", ""},
		{rules, Intent{Filename: "x.PNG"}, "image/png", ""},
		{rules, Intent{Filename: "x"}, "application/octet-stream", ""},
		{rules, Intent{Filename: "notes.txt"}, "text/plain", ""},
		{rules, Intent{ContentType: "not a type"}, "", CodeInvalidArgument},
		{limited, Intent{ContentType: "image/gif"}, "", CodeUnsupportedMediaType},
		{limited, Intent{Filename: "a.jpg"}, "image/jpeg", ""},
		{limited, Intent{Filename: "a.bin"}, "", CodeUnsupportedMediaType},
		{limited, Intent{ContentType: "IMAGE/PNG"}, "image/png", ""},
	}
	for _, c := range cases {
		got, err := c.r.ContentType(c.in)
		if code(err) != c.wantCode || got != c.want {
			t.Errorf("ContentType(%+v) = %q, %v; want %q, %q", c.in, got, err, c.want, c.wantCode)
		}
	}
}

func TestObjectKey(t *testing.T) {
	t.Parallel()
	id := [16]byte{0xde, 0xad, 0xbe, 0xef}
	now := time.Date(2026, 1, 2, 23, 0, 0, 0, time.FixedZone("CST", 8*3600))
	cases := map[string]string{
		"photo.PNG":           "uploads/2026/01/02/deadbeef000000000000000000000000.png",
		"../../etc/passwd":    "uploads/2026/01/02/deadbeef000000000000000000000000",
		"archive.tar.gz":      "uploads/2026/01/02/deadbeef000000000000000000000000.gz",
		"evil.p$p":            "uploads/2026/01/02/deadbeef000000000000000000000000",
		"x.aaaaaaaaaaaaaaaaa": "uploads/2026/01/02/deadbeef000000000000000000000000",
		"":                    "uploads/2026/01/02/deadbeef000000000000000000000000",
	}
	for name, want := range cases {
		if got := ObjectKey("uploads/", Intent{Filename: name}, id, now); got != want {
			t.Errorf("ObjectKey(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestCheckDir(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"uploads/", "a/b/c/", "用户/"} {
		if err := CheckDir(ok); err != nil {
			t.Errorf("CheckDir(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "uploads", "/uploads/", "a//b/", "a/../b/", "./a/", `a\b/`, "a*/", "a\x01/", strings.Repeat("a", 1000) + "/"} {
		if err := CheckDir(bad); err == nil {
			t.Errorf("CheckDir(%q) accepted", bad)
		}
	}
}
