package osscallback

import (
	"strings"
	"testing"
)

// FuzzParseBody: any body parses or is refused without a panic, and an upload that passes
// CheckScope lies in the bucket, under the prefix (and a user's prefix), with no empty or dot
// segment.
func FuzzParseBody(f *testing.F) {
	f.Add("bucket=b&object=uploads%2Fa.png&etag=E&size=1&mimeType=image%2Fpng&height=2&width=3&format=png&user=&filename=a.png", false)
	f.Add("bucket=b&object=uploads%2Falice%2Fa&size=0&user=alice", true)
	f.Add("bucket=b&object=uploads%2F..%2Fx&size=1", false)
	f.Add("bucket=b&object=uploads%2F%2Fx&size=1&width=-1", false)
	f.Add("bucket=b&object=uploads/alice&size=1&user=bob", true)
	f.Add("%zz", false)
	f.Fuzz(func(t *testing.T, body string, perUser bool) {
		u, err := ParseBody([]byte(body))
		if err != nil {
			return
		}
		if u.Size < 0 || (u.Image != nil && (u.Image.Width <= 0 || u.Image.Height <= 0)) || len(u.Filename) > maxFilename {
			t.Fatalf("ParseBody(%q) = %+v", body, u)
		}
		if u.CheckScope("b", "uploads/", perUser) != nil {
			return
		}
		rest, ok := strings.CutPrefix(u.Key, "uploads/")
		if u.Bucket != "b" || !ok || rest == "" {
			t.Fatalf("CheckScope accepted %+v", u)
		}
		for _, seg := range strings.Split(rest, "/") {
			if seg == "" || seg == "." || seg == ".." {
				t.Fatalf("CheckScope accepted key %q", u.Key)
			}
		}
		if perUser && (u.User == "" || !strings.HasPrefix(rest, u.User+"/")) {
			t.Fatalf("CheckScope accepted %q for user %q", u.Key, u.User)
		}
	})
}
