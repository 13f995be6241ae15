package ossauth

import (
	"net/http"
	"net/url"
	"testing"
	"time"
)

// The vectors in this file are the official ones collected in ../../../shared/reference/
// oss-signatures.md section 4 (from the OSS SDKs' own unit tests), not output of this package.

var akSK = Credentials{AccessKeyID: "ak", AccessKeySecret: "sk"}

func v1HeaderRequest(method, bucket, key string) *Request {
	h := http.Header{}
	h.Set("Content-MD5", "eB5eJF1ptWaXm4bijSPyxw==")
	h.Set("Content-Type", "text/html")
	h.Set("x-oss-meta-author", "alice")
	h.Set("x-oss-meta-magic", "abracadabra")
	h.Set("x-oss-date", "Wed, 28 Dec 2022 10:27:41 GMT")
	return &Request{Method: method, Bucket: bucket, Key: key, Header: h}
}

func TestV1HeaderGolden(t *testing.T) {
	t.Parallel()
	now := time.Date(2022, 12, 28, 10, 27, 41, 0, time.UTC)
	onlyDate := func() *Request {
		h := http.Header{}
		h.Set("x-oss-date", "Wed, 28 Dec 2022 10:27:41 GMT")
		return &Request{Method: "GET", Bucket: "examplebucket", Header: h}
	}
	cases := []struct {
		name  string
		req   *Request
		query url.Values
		extra []string
		sts   string
		auth  string
	}{
		{
			name: "put object",
			req:  v1HeaderRequest("PUT", "examplebucket", "nelson"),
			sts:  "PUT\neB5eJF1ptWaXm4bijSPyxw==\ntext/html\nWed, 28 Dec 2022 10:27:41 GMT\nx-oss-date:Wed, 28 Dec 2022 10:27:41 GMT\nx-oss-meta-author:alice\nx-oss-meta-magic:abracadabra\n/examplebucket/nelson",
			auth: "OSS ak:kSHKmLxlyEAKtZPkJhG9bZb5k7M=",
		},
		{
			name:  "acl sub-resource",
			req:   v1HeaderRequest("PUT", "examplebucket", "nelson"),
			query: url.Values{"acl": {""}},
			sts:   "PUT\neB5eJF1ptWaXm4bijSPyxw==\ntext/html\nWed, 28 Dec 2022 10:27:41 GMT\nx-oss-date:Wed, 28 Dec 2022 10:27:41 GMT\nx-oss-meta-author:alice\nx-oss-meta-magic:abracadabra\n/examplebucket/nelson?acl",
			auth:  "OSS ak:/afkugFbmWDQ967j1vr6zygBLQk=",
		},
		{
			name:  "extra sub-resource, other query ignored",
			req:   onlyDate(),
			query: url.Values{"resourceGroup": {""}, "non-resousce": {"null"}},
			extra: []string{"resourceGroup"},
			sts:   "GET\n\n\nWed, 28 Dec 2022 10:27:41 GMT\nx-oss-date:Wed, 28 Dec 2022 10:27:41 GMT\n/examplebucket/?resourceGroup",
			auth:  "OSS ak:vkQmfuUDyi1uDi3bKt67oemssIs=",
		},
		{
			name:  "sorted sub-resources",
			req:   onlyDate(),
			query: url.Values{"resourceGroup": {""}, "acl": {""}},
			extra: []string{"resourceGroup"},
			sts:   "GET\n\n\nWed, 28 Dec 2022 10:27:41 GMT\nx-oss-date:Wed, 28 Dec 2022 10:27:41 GMT\n/examplebucket/?acl&resourceGroup",
			auth:  "OSS ak:x3E5TgOvl/i7PN618s5mEvpJDYk=",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.req.Query = c.query
			if got := StringToSignV1(c.req, "Wed, 28 Dec 2022 10:27:41 GMT", c.extra...); got != c.sts {
				t.Errorf("string to sign\n got %q\nwant %q", got, c.sts)
			}
			if got := AuthorizeV1(akSK, c.req, now, c.extra...); got != c.auth {
				t.Errorf("Authorization = %q, want %q", got, c.auth)
			}
			if got := c.req.Header.Get("Date"); got != "Wed, 28 Dec 2022 10:27:41 GMT" {
				t.Errorf("Date header = %q", got)
			}
		})
	}
}

func TestV1PresignGolden(t *testing.T) {
	t.Parallel()
	t.Run("plain", func(t *testing.T) {
		r := &Request{Method: "GET", Bucket: "bucket", Key: "key", Query: url.Values{"versionId": {"versionId"}}}
		q, err := PresignV1(akSK, r, time.Unix(1699807420, 0))
		if err != nil {
			t.Fatal(err)
		}
		want := "Expires=1699807420&OSSAccessKeyId=ak&Signature=dcLTea%2BYh9ApirQ8o8dOPqtvJXQ%3D&versionId=versionId"
		if got := q.Encode(); got != want {
			t.Errorf("query\n got %s\nwant %s", got, want)
		}
	})
	t.Run("security token", func(t *testing.T) {
		creds := Credentials{AccessKeyID: "ak", AccessKeySecret: "sk", SecurityToken: "token"}
		r := &Request{Method: "GET", Bucket: "bucket", Key: "key+123", Query: url.Values{"versionId": {"versionId"}}}
		q, err := PresignV1(creds, r, time.Unix(1699808204, 0))
		if err != nil {
			t.Fatal(err)
		}
		want := "Expires=1699808204&OSSAccessKeyId=ak&Signature=jzKYRrM5y6Br0dRFPaTGOsbrDhY%3D&security-token=token&versionId=versionId"
		if got := q.Encode(); got != want {
			t.Errorf("query\n got %s\nwant %s", got, want)
		}
	})
	t.Run("signed headers and decoded sub-resource values", func(t *testing.T) {
		creds := Credentials{AccessKeyID: "ak", AccessKeySecret: "sk", SecurityToken: "token"}
		h := http.Header{}
		h.Set("content-type", "application/octet-stream")
		h.Set("x-oss-head1", "value")
		r := &Request{Method: "GET", Bucket: "bucket", Key: "key", Header: h, Query: url.Values{
			"versionId":                    {"versionId?param1=value1"},
			"response-content-disposition": {"attachment; filename=example.txt"},
		}}
		q, err := PresignV1(creds, r, time.Unix(1699808204, 0))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := q.Get("Signature"), "3GJoEOv5LX2ASp0HJk/hAk+qLJc="; got != want {
			t.Errorf("Signature = %s, want %s", got, want)
		}
	})
}

// v4Request is the request of the V4 vectors: PUT bucket/1234+-/123/1.txt with odd query keys.
func v4Request(contentType string, sha bool) *Request {
	h := http.Header{}
	h.Set("x-oss-head1", "value")
	h.Set("abc", "value")
	h.Set("ZAbc", "value")
	h.Set("XYZ", "value")
	h.Set("content-type", contentType)
	if sha {
		h.Set("x-oss-content-sha256", "UNSIGNED-PAYLOAD")
	}
	q := url.Values{}
	q.Add("param1", "value1")
	q.Add("+param1", "value3")
	q.Add("|param1", "value4")
	q.Add("+param2", "")
	q.Add("|param2", "")
	q.Add("param2", "")
	return &Request{Method: "PUT", Bucket: "bucket", Key: "1234+-/123/1.txt", Header: h, Query: q}
}

func TestV4HeaderGolden(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		creds      Credentials
		unix       int64
		additional []string
		want       string
	}{
		{"plain", akSK, 1702743657, nil,
			"OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,Signature=e21d18daa82167720f9b1047ae7e7f1ce7cb77a31e8203a7d5f4624fa0284afe"},
		{"security token", Credentials{AccessKeyID: "ak", AccessKeySecret: "sk", SecurityToken: "token"}, 1702784856, nil,
			"OSS4-HMAC-SHA256 Credential=ak/20231217/cn-hangzhou/oss/aliyun_v4_request,Signature=b94a3f999cf85bcdc00d332fbd3734ba03e48382c36fa4d5af5df817395bd9ea"},
		{"additional headers", akSK, 1702747512, []string{"ZAbc", "abc"},
			"OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,AdditionalHeaders=abc;zabc,Signature=4a4183c187c07c8947db7620deb0a6b38d9fbdd34187b6dbaccb316fa251212f"},
		{"additional headers normalised", akSK, 1702747512, []string{"x-oss-no-exist", "ZAbc", "x-oss-head1", "abc"},
			"OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,AdditionalHeaders=abc;zabc,Signature=4a4183c187c07c8947db7620deb0a6b38d9fbdd34187b6dbaccb316fa251212f"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := v4Request("text/plain", true)
			got := AuthorizeV4(c.creds, r, "cn-hangzhou", c.additional, time.Unix(c.unix, 0))
			if got != c.want {
				t.Errorf("Authorization\n got %s\nwant %s", got, c.want)
			}
			// The "oss-" form of the region must sign the same.
			r = v4Request("text/plain", true)
			if got := AuthorizeV4(c.creds, r, "oss-cn-hangzhou", c.additional, time.Unix(c.unix, 0)); got != c.want {
				t.Errorf("with oss- region prefix\n got %s\nwant %s", got, c.want)
			}
		})
	}
	t.Run("canonical request", func(t *testing.T) {
		r := v4Request("text/plain", true)
		r.Header.Set("x-oss-date", "20231216T162057Z")
		want := "PUT\n/bucket/1234%2B-/123/1.txt\n%2Bparam1=value3&%2Bparam2&%7Cparam1=value4&%7Cparam2&param1=value1&param2\ncontent-type:text/plain\nx-oss-content-sha256:UNSIGNED-PAYLOAD\nx-oss-date:20231216T162057Z\nx-oss-head1:value\n\n\nUNSIGNED-PAYLOAD"
		if got := CanonicalRequestV4(r, nil); got != want {
			t.Errorf("canonical request\n got %q\nwant %q", got, want)
		}
	})
}

func TestV4PresignGolden(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		creds      Credentials
		unix       int64
		expires    time.Duration
		additional []string
		want       string
	}{
		{"plain", akSK, 1702781677, 599 * time.Second, nil, "a39966c61718be0d5b14e668088b3fa07601033f6518ac7b523100014269c0fe"},
		{"security token", Credentials{AccessKeyID: "ak", AccessKeySecret: "sk", SecurityToken: "token"}, 1702785388, 599 * time.Second, nil, "3817ac9d206cd6dfc90f1c09c00be45005602e55898f26f5ddb06d7892e1f8b5"},
		{"additional headers", akSK, 1702783809, 599 * time.Second, []string{"ZAbc", "abc"}, "6bd984bfe531afb6db1f7550983a741b103a8c58e5e14f83ea474c2322dfa2b7"},
		{"five days", akSK, 1702781677, 432000 * time.Second, nil, "31029123dc7732d2d2cfd4006ea4fdb6cf86da6478f813e2bf8f87877c7b9fec"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := v4Request("application/octet-stream", false)
			q, err := PresignV4(c.creds, r, PresignV4Options{Region: "cn-hangzhou", Expires: c.expires, AdditionalHeaders: c.additional}, time.Unix(c.unix, 0))
			if err != nil {
				t.Fatal(err)
			}
			if got := q.Get("x-oss-signature"); got != c.want {
				t.Errorf("x-oss-signature\n got %s\nwant %s", got, c.want)
			}
		})
	}
	t.Run("full URL query", func(t *testing.T) {
		q, err := PresignV4(akSK, v4Request("application/octet-stream", false), PresignV4Options{Region: "cn-hangzhou", Expires: 599 * time.Second}, time.Unix(1702781677, 0))
		if err != nil {
			t.Fatal(err)
		}
		// The official URL (GOv1 conn_test.go) with its parameters, order aside.
		want, _ := url.ParseQuery("%2Bparam1=value3&%2Bparam2&param1=value1&param2&x-oss-credential=ak%2F20231217%2Fcn-hangzhou%2Foss%2Faliyun_v4_request&x-oss-date=20231217T025437Z&x-oss-expires=599&x-oss-signature=a39966c61718be0d5b14e668088b3fa07601033f6518ac7b523100014269c0fe&x-oss-signature-version=OSS4-HMAC-SHA256&%7Cparam1=value4&%7Cparam2")
		got, err := url.ParseQuery(EncodeQuery(q))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("got %d parameters, want %d: %v", len(got), len(want), got)
		}
		for k := range want {
			if got.Get(k) != want.Get(k) {
				t.Errorf("%s = %q, want %q", k, got.Get(k), want.Get(k))
			}
		}
	})
}

func TestPostPolicyV1Golden(t *testing.T) {
	t.Parallel()
	const secret = "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
	cases := []struct{ policy, signature string }{
		{"eyJleHBpcmF0aW9uIjoiMjAyMC0wMy0xOVQwMzo0NDowNi40NzZaIiwiY29uZGl0aW9ucyI6W3siYnVja2V0IjoiZ2VuLXBvc3QtcG9saWN5In0sWyJlcSIsIiRrZXkiLCJ1c2VyXC9lcmljXC9cXCR7ZmlsZW5hbWV9Il0sWyJzdGFydHMtd2l0aCIsIiRrZXkiLCJ1c2VyXC9lcmljIl0sWyJzdGFydHMtd2l0aCIsIiR4LW9zcy1tZXRhLXRhZyIsImR1bW15X2V0YWciXSxbImNvbnRlbnQtbGVuZ3RoLXJhbmdlIiwxLDEwMjRdXX0=", "9fs2TRS2W2k5hV8mLsvqZBnlC2M="},
		{"eyJleHBpcmF0aW9uIjoiMjAyMC0wMy0xOVQwMzo0NDowNi40NzZaIiwiY29uZGl0aW9ucyI6W3siYnVja2V0IjoiZ2VuLXBvc3QtcG9saWN5In0sWyJzdGFydHMtd2l0aCIsIiRrZXkiLCJ1c2VyXC9lcmljIl0sWyJzdGFydHMtd2l0aCIsIiR4LW9zcy1tZXRhLXRhZyIsImR1bW15X2V0YWciXSxbImNvbnRlbnQtbGVuZ3RoLXJhbmdlIiwxLDEwMjRdLFsiaW4iLCIkY29udGVudC10eXBlIixbImltYWdlXC9qcGciLCJpbWFnZVwvcG5nIl1dLFsibm90LWluIiwiJGNhY2hlLWNvbnRyb2wiLFsibm8tY2FjaGUiXV1dfQ==", "/yrk/7alTmdIh9a3YOkkIcKYlbA="},
	}
	for _, c := range cases {
		if got := SignV1(secret, c.policy); got != c.signature {
			t.Errorf("SignV1(policy) = %s, want %s", got, c.signature)
		}
	}
}
