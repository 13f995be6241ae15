package osscallback

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/fc-oss-upload/fc-oss-upload/shared/api"
)

// form substitutes the Body template the way OSS does for the form body type (values URL-encoded).
func form(vals map[string]string) []byte {
	out := Body
	for k, v := range vals {
		out = strings.ReplaceAll(out, "${"+k+"}", url.QueryEscape(v))
	}
	for _, k := range []string{"imageInfo.height", "imageInfo.width", "imageInfo.format", "x:user", "x:filename"} {
		out = strings.ReplaceAll(out, "${"+k+"}", "")
	}
	return []byte(out)
}

func TestParseBody(t *testing.T) {
	u, err := ParseBody(form(map[string]string{"bucket": "b1", "object": "uploads/alice/中 a+b.png", "etag": `"D41D8CD98F00B204E9800998ECF8427E"`,
		"size": "1234", "mimeType": "image/png", "imageInfo.height": "20", "imageInfo.width": "30", "imageInfo.format": "png",
		"x:user": "alice", "x:filename": "中 a+b.png"}))
	if err != nil {
		t.Fatal(err)
	}
	want := Upload{Bucket: "b1", Key: "uploads/alice/中 a+b.png", ETag: "D41D8CD98F00B204E9800998ECF8427E", Size: 1234, ContentType: "image/png",
		Image: &api.Image{Width: 30, Height: 20, Format: "png"}, User: "alice", Filename: "中 a+b.png"}
	if u.Image == nil || *u.Image != *want.Image {
		t.Fatalf("image %+v", u.Image)
	}
	u.Image, want.Image = nil, nil
	if u != want {
		t.Errorf("ParseBody = %+v\nwant %+v", u, want)
	}

	noImage, err := ParseBody(form(map[string]string{"bucket": "b1", "object": "uploads/a.txt", "etag": "E", "size": "0", "mimeType": "text/plain"}))
	if err != nil || noImage.Image != nil || noImage.Size != 0 {
		t.Errorf("no image: %+v, %v", noImage, err)
	}

	for name, body := range map[string]string{
		"no bucket":    "object=a&size=1",
		"bad size":     "bucket=b&object=a&size=-1",
		"size missing": "bucket=b&object=a",
		"repeated key": "bucket=b&object=a&object=c&size=1",
		"bad width":    "bucket=b&object=a&size=1&width=x&height=1",
		"bad encoding": "bucket=b&object=%zz&size=1",
		"json":         `{"bucket":"b","object":"a","size":1}`,
	} {
		if _, err := ParseBody([]byte(body)); !errors.Is(err, errBadBody) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestCheckScope(t *testing.T) {
	ok := []struct {
		u       Upload
		perUser bool
		user    string
	}{
		{Upload{Bucket: "b", Key: "uploads/2026/a.png"}, false, ""},
		{Upload{Bucket: "b", Key: "uploads/alice/a.png"}, true, "alice"},
		{Upload{Bucket: "b", Key: "uploads/alice/a.png", User: "alice"}, true, "alice"},
	}
	for _, c := range ok {
		u := c.u
		if err := u.CheckScope("b", "uploads/", c.perUser); err != nil || u.User != c.user {
			t.Errorf("%+v: %v, user %q", c.u, err, u.User)
		}
	}
	bad := []struct {
		u       Upload
		perUser bool
	}{
		{Upload{Bucket: "other", Key: "uploads/a.png"}, false},
		{Upload{Bucket: "b", Key: "elsewhere/a.png"}, false},
		{Upload{Bucket: "b", Key: "uploads/"}, false},
		{Upload{Bucket: "b", Key: "uploads/../x"}, false},
		{Upload{Bucket: "b", Key: "uploads//x"}, false},
		{Upload{Bucket: "b", Key: "uploadsx/a"}, false},
		{Upload{Bucket: "b", Key: "uploads/a.png"}, true},                    // not under a user's prefix
		{Upload{Bucket: "b", Key: "uploads/bob/a.png", User: "alice"}, true}, // another user's prefix
		{Upload{Bucket: "b", Key: "uploads/" + strings.Repeat("k", 1100)}, false},
	}
	for _, c := range bad {
		u := c.u
		if err := u.CheckScope("b", "uploads/", c.perUser); !errors.Is(err, errOutOfScope) {
			t.Errorf("%+v (perUser %v): %v", c.u, c.perUser, err)
		}
	}
}

func TestIDStablePerObjectVersion(t *testing.T) {
	a := Upload{Bucket: "b", Key: "k", ETag: "E1", Size: 1}
	b := a
	b.Size, b.Filename = 2, "x"
	c := a
	c.ETag = "E2"
	if a.ID() != b.ID() || a.ID() == c.ID() || !strings.HasPrefix(a.ID(), "msg_") {
		t.Errorf("IDs %s %s %s", a.ID(), b.ID(), c.ID())
	}
}
