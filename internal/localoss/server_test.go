package localoss

import (
	"bytes"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ossv1 "github.com/aliyun/aliyun-oss-go-sdk/oss"
	"github.com/fc-oss-upload/fc-oss-upload/internal/localcred"
)

func TestSessionPolicy(t *testing.T) {
	t.Parallel()
	now := time.Now()
	env := newTestEnv(t, now)
	put := func(ak, policy string) sdkCred {
		env.keys.Put(localcred.Key{AccessKeyID: ak, AccessKeySecret: "s-" + ak, SecurityToken: "t-" + ak,
			Expiration: now.Add(time.Hour), Policy: []byte(policy)})
		return sdkCred{ak, ak, "s-" + ak, "t-" + ak}
	}
	scoped := put("STS.scoped", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:PutObject","Resource":["acs:oss:*:*:`+testBucket+`/uploads/*"],"Condition":{"IpAddress":{"acs:SourceIp":"10.0.0.0/8"}}}]}`)
	withDeny := put("STS.deny", `{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:*"],"Resource":"acs:oss:*:*:`+testBucket+`/*"},{"Effect":"Deny","Action":["oss:Put*"],"Resource":["acs:oss:*:*:`+testBucket+`/uploads/secret*"]}]}`)
	broken := put("STS.broken", `{"Statement":`)

	putObject := func(c sdkCred, key string) string {
		return v1Code(v1Bucket(t, env, c, ossv1.AuthV4, testRegion).PutObject(key, strings.NewReader("data")))
	}
	getObject := func(c sdkCred, key string) string {
		rc, err := v1Bucket(t, env, c, ossv1.AuthV1, testRegion).GetObject(key)
		if err == nil {
			rc.Close()
		}
		return v1Code(err)
	}
	checks := []struct {
		name, got, want string
	}{
		{"put under uploads/", putObject(scoped, "uploads/"+testKey), ""},
		{"put elsewhere", putObject(scoped, "private/"+testKey), CodeAccessDenied},
		{"put prefix look-alike", putObject(scoped, "uploadsX/a"), CodeAccessDenied},
		{"get under uploads/", getObject(scoped, "uploads/"+testKey), CodeAccessDenied},
		{"deny wins over allow", putObject(withDeny, "uploads/secret.txt"), CodeAccessDenied},
		{"allow without deny", putObject(withDeny, "uploads/public.txt"), ""},
		{"get allowed by oss:*", getObject(withDeny, "uploads/public.txt"), ""},
		{"unparsable policy", putObject(broken, "uploads/a"), CodeAccessDenied},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: code %q, want %q", c.name, c.got, c.want)
		}
	}
	// Multipart under the allowed prefix is PutObject too.
	cl := v1Bucket(t, env, scoped, ossv1.AuthV4, testRegion)
	if _, err := cl.InitiateMultipartUpload("uploads/mp"); err != nil {
		t.Errorf("initiate under uploads/: %v", err)
	}
	if _, err := cl.InitiateMultipartUpload("mp"); v1Code(err) != CodeAccessDenied {
		t.Errorf("initiate elsewhere: %v", err)
	}
}

// TestIdentityAndSessionPolicy: a key with an identity policy (its role's) and a session policy may
// do only what both allow.
func TestIdentityAndSessionPolicy(t *testing.T) {
	t.Parallel()
	now := time.Now()
	env := newTestEnv(t, now)
	role := `{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:PutObject","oss:ListParts"],"Resource":"acs:oss:*:*:` + testBucket + `/uploads/*"}]}`
	session := `{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:PutObject","oss:GetObject","oss:AbortMultipartUpload"],"Resource":"acs:oss:*:*:` + testBucket + `/uploads/u1/*"}]}`
	put := func(ak, identity, session string) *ossv1.Bucket {
		k := localcred.Key{AccessKeyID: ak, AccessKeySecret: "s-" + ak, IdentityPolicy: []byte(identity)}
		if session != "" {
			k.SecurityToken, k.Expiration, k.Policy = "t-"+ak, now.Add(time.Hour), []byte(session)
		}
		env.keys.Put(k)
		return v1Bucket(t, env, sdkCred{ak, ak, k.AccessKeySecret, k.SecurityToken}, ossv1.AuthV4, testRegion)
	}
	roleOnly := put("LTAIrole", role, "")
	both := put("STS.both", role, session)
	code := func(err error) string { return v1Code(err) }
	if got := code(roleOnly.PutObject("uploads/u2/a", strings.NewReader("x"))); got != "" {
		t.Errorf("role key, put under the role's prefix: %q", got)
	}
	if got := code(roleOnly.PutObject("private/a", strings.NewReader("x"))); got != CodeAccessDenied {
		t.Errorf("role key, put outside the role's prefix: %q", got)
	}
	if _, err := roleOnly.GetObject("uploads/u2/a"); code(err) != CodeAccessDenied {
		t.Errorf("role key, get (not in the role): %v", err)
	}
	imur, err := both.InitiateMultipartUpload("uploads/u1/mp")
	if err != nil {
		t.Fatalf("both allow PutObject under uploads/u1/: %v", err)
	}
	checks := []struct {
		name, got, want string
	}{
		{"put where role and session allow", code(both.PutObject("uploads/u1/a", strings.NewReader("x"))), ""},
		{"put where only the role allows", code(both.PutObject("uploads/u2/b", strings.NewReader("x"))), CodeAccessDenied},
		{"get: only the session allows", func() string { _, err := both.GetObject("uploads/u1/a"); return code(err) }(), CodeAccessDenied},
		{"abort: only the session allows", code(both.AbortMultipartUpload(imur)), CodeAccessDenied},
		{"list parts: only the role allows", func() string { _, err := both.ListUploadedParts(imur); return code(err) }(), CodeAccessDenied},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: code %q, want %q", c.name, c.got, c.want)
		}
	}
}

func TestActionMapping(t *testing.T) {
	t.Parallel()
	want := map[string]string{
		opPutObject: "oss:PutObject", opPostObject: "oss:PutObject", opInitiateMultipartUpload: "oss:PutObject",
		opUploadPart: "oss:PutObject", opCompleteMultipartUpload: "oss:PutObject",
		opListParts: "oss:ListParts", opAbortMultipartUpload: "oss:AbortMultipartUpload",
		opGetObject: "oss:GetObject", opHeadObject: "oss:GetObject", opDeleteObject: "oss:DeleteObject",
	}
	for op, action := range want {
		if got := ossAction(op); got != action {
			t.Errorf("ossAction(%s) = %q, want %q", op, got, action)
		}
	}
}

func TestCORSPreflight(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, time.Now())
	req, _ := http.NewRequest("OPTIONS", env.http.URL+"/"+testBucket+"/uploads/a.png", nil)
	req.Header.Set("Origin", "http://localhost:5173")
	req.Header.Set("Access-Control-Request-Method", "PUT")
	req.Header.Set("Access-Control-Request-Headers", "content-type,x-oss-date,Authorization")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	h := resp.Header
	if resp.StatusCode != 200 || h.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(h.Get("Access-Control-Allow-Methods"), "PUT") ||
		h.Get("Access-Control-Allow-Headers") != "content-type,x-oss-date,authorization" ||
		!strings.Contains(h.Get("Access-Control-Expose-Headers"), "ETag, x-oss-request-id") || !strings.Contains(strings.Join(h.Values("Vary"), ","), "Origin") {
		t.Errorf("preflight: %d %v", resp.StatusCode, h)
	}

	restricted := newTestEnv(t, time.Now(), func(o *Options) { o.AllowedOrigins = []string{"https://app.example"} })
	for origin, want := range map[string]int{"https://app.example": 200, "https://evil.example": 403} {
		req, _ := http.NewRequest("OPTIONS", restricted.http.URL+"/"+testBucket, nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		status, _, _ := do(t, req)
		if status != want {
			t.Errorf("origin %s: %d, want %d", origin, status, want)
		}
	}

	// Actual responses, errors included, carry the CORS headers so a browser can read them.
	req, _ = http.NewRequest("PUT", env.http.URL+"/"+testBucket+"/a", strings.NewReader("x"))
	req.Header.Set("Origin", "http://localhost:5173")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 || resp.Header.Get("Access-Control-Allow-Origin") != "*" || resp.Header.Get("Access-Control-Expose-Headers") == "" {
		t.Errorf("unsigned PUT: %d %v", resp.StatusCode, resp.Header)
	}
}

func TestPublicReadAndAnonymous(t *testing.T) {
	t.Parallel()
	now := time.Now()
	for _, public := range []bool{false, true} {
		env := newTestEnv(t, now, func(o *Options) { o.PublicRead = public })
		cl := v1Bucket(t, env, sdkCreds[0], ossv1.AuthV4, testRegion)
		if err := cl.PutObject(testKey, strings.NewReader("pixels"), ossv1.ContentType("image/png")); err != nil {
			t.Fatal(err)
		}
		u := env.http.URL + "/" + testBucket + "/" + rfc3986Escape(testKey, true)
		status, code, body := send(t, "GET", u, nil, nil)
		if public && (status != 200 || string(body) != "pixels") || !public && code != CodeAccessDenied {
			t.Errorf("public=%v anonymous GET: %d %s", public, status, code)
		}
		if _, code, _ := send(t, "PUT", u, nil, []byte("x")); code != CodeAccessDenied {
			t.Errorf("public=%v anonymous PUT: %s", public, code)
		}
		if _, code, _ := send(t, "GET", env.http.URL+"/no-such-bucket/x", nil, nil); code != CodeNoSuchBucket {
			t.Errorf("unknown bucket: %s", code)
		}
	}
}

func TestPathTraversalRefused(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, time.Now(), func(o *Options) { o.PublicRead = true })
	parent := filepath.Dir(env.dir)
	for _, p := range []string{
		"/a/%2E%2E/%2E%2E/escape", "/..%2F..%2Fescape", "/%2E%2E/escape", "/a/%5C..%5Cescape", "/a%00b", "//escape",
		"/a/./b", "/" + strings.Repeat("x", 1100),
	} {
		for _, method := range []string{"PUT", "GET", "POST"} {
			q := ""
			if method == "POST" {
				q = "?uploads"
			}
			status, code, raw := send(t, method, env.http.URL+"/"+testBucket+p+q, nil, []byte("payload"))
			if code != CodeInvalidObjectName {
				t.Errorf("%s %s: %d %s %s", method, p, status, code, raw)
			}
		}
	}
	// Nothing was written beside the data directory, nor any object inside it.
	entries, _ := os.ReadDir(parent)
	if len(entries) != 1 {
		t.Errorf("entries beside the data dir: %v", entries)
	}
	filepath.WalkDir(env.dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			t.Errorf("file written: %s", path)
		}
		return nil
	})
}

func FuzzStorePaths(f *testing.F) {
	for _, seed := range []string{"a", "a/b", "../x", "a/../../x", "/x", `a\b`, "a\x00", ".", "..", "a/", "a//b", "中文/..文", "...", "a/.dir/b"} {
		f.Add(seed)
	}
	root := f.TempDir()
	st, err := newStore(root)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, key string) {
		data, meta, verr := st.paths(testBucket, key)
		if verr != nil {
			return
		}
		bucketDir := filepath.Join(st.root, testBucket) + string(filepath.Separator)
		for _, p := range []string{data, meta} {
			if !strings.HasPrefix(filepath.Clean(p), bucketDir) || filepath.Clean(p) != p {
				t.Fatalf("key %q maps to %q outside %q", key, p, bucketDir)
			}
		}
	})
}

func TestStoreLayoutAndListing(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, time.Now())
	cl := v1Bucket(t, env, sdkCreds[0], ossv1.AuthV1, testRegion)
	keys := []string{"a", "a/b", "a/", "a.dir/x", "a.obj", "a.meta", testKey}
	for _, k := range keys {
		if err := cl.PutObject(k, bytes.NewReader([]byte("body of "+k))); err != nil {
			t.Fatalf("put %q: %v", k, err)
		}
	}
	for _, k := range keys {
		mustObject(t, env.srv, testBucket, k, []byte("body of "+k))
	}
	got, err := env.srv.ListKeys(testBucket)
	if err != nil || len(got) != len(keys) {
		t.Fatalf("ListKeys = %q, %v", got, err)
	}
	if _, err := os.Stat(filepath.Join(env.dir, testBucket, "dir.dir", "中文 a+b~(1) 100%.png.obj")); err != nil {
		t.Errorf("layout: %v", err)
	}
}
