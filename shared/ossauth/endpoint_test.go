package ossauth

import (
	"strings"
	"testing"
)

func TestParseEndpoint(t *testing.T) {
	t.Parallel()
	cases := []struct {
		raw, bucket, wantBucketURL, wantObjectURL, wantBase string
		addressing                                          Addressing
	}{
		{"", "b", "https://b.oss-cn-hangzhou.aliyuncs.com", "https://b.oss-cn-hangzhou.aliyuncs.com/dir/a%20b.png", "https://oss-cn-hangzhou.aliyuncs.com", VirtualHosted},
		{"oss-cn-hangzhou-internal.aliyuncs.com", "b", "https://b.oss-cn-hangzhou-internal.aliyuncs.com", "https://b.oss-cn-hangzhou-internal.aliyuncs.com/dir/a%20b.png", "https://oss-cn-hangzhou-internal.aliyuncs.com", VirtualHosted},
		{"https://b.oss-cn-hangzhou.aliyuncs.com", "b", "https://b.oss-cn-hangzhou.aliyuncs.com", "https://b.oss-cn-hangzhou.aliyuncs.com/dir/a%20b.png", "https://oss-cn-hangzhou.aliyuncs.com", VirtualHosted},
		{"http://127.0.0.1:9000", "b", "http://127.0.0.1:9000/b", "http://127.0.0.1:9000/b/dir/a%20b.png", "http://127.0.0.1:9000", PathStyle},
		{"http://localhost:9000/", "b", "http://localhost:9000/b", "http://localhost:9000/b/dir/a%20b.png", "http://localhost:9000", PathStyle},
		{"https://files.example.com", "b", "https://files.example.com", "https://files.example.com/dir/a%20b.png", "https://files.example.com", CNAME},
	}
	for _, c := range cases {
		e, err := ParseEndpoint(c.raw, c.bucket, "oss-cn-hangzhou")
		if err != nil {
			t.Fatalf("%q: %v", c.raw, err)
		}
		if e.Addressing != c.addressing || e.BucketURL(c.bucket) != c.wantBucketURL || objectURL(e, c.bucket, "dir/a b.png") != c.wantObjectURL || e.BaseURL() != c.wantBase {
			t.Errorf("%q: got %+v %s %s %s", c.raw, e, e.BucketURL(c.bucket), objectURL(e, c.bucket, "dir/a b.png"), e.BaseURL())
		}
	}
	for _, bad := range []string{"ftp://x", "https://x/path", "https://u:p@x", "https://x?q=1", "http://"} {
		if _, err := ParseEndpoint(bad, "b", "cn-hangzhou"); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func objectURL(e Endpoint, bucket, key string) string {
	var b strings.Builder
	e.writeObjectURL(&b, bucket, key)
	return b.String()
}
