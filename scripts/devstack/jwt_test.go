package devstack

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/fc-oss-upload/fc-oss-upload/shared/config"
	"github.com/fc-oss-upload/fc-oss-upload/shared/userauth"
)

// call sends method path to base with headers and decodes a JSON answer into v.
func call(t *testing.T, method, base, path string, headers map[string]string, v any) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(method, base+path, nil)
	req.Header.Set("Accept", "application/json")
	for k, val := range headers {
		req.Header.Set(k, val)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if v != nil {
		json.NewDecoder(resp.Body).Decode(v)
	}
	return resp
}

// TestPerUserEndToEnd runs the built functions with per-user mode on against a loopback issuer
// (AUTH_JWKS_URL: fetched by the functions): every authorization lands under the user's own
// prefix, users the old sanitiser merged are kept apart down to their STS credentials, and neither
// a client header nor a bad token changes or gets a prefix.
func TestPerUserEndToEnd(t *testing.T) {
	s, err := Start(context.Background(), Options{Bins: bins, Auth: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	bearer := func(user string) map[string]string {
		tok, err := s.Issuer.Mint(user)
		if err != nil {
			t.Fatal(err)
		}
		return map[string]string{"Authorization": "Bearer " + tok}
	}
	sts := func(user string) stsToken {
		t.Helper()
		var tok stsToken
		if resp := call(t, "GET", s.OriginURL, "/get_sts_token_for_oss_upload", bearer(user), &tok); resp.StatusCode != 200 {
			t.Fatalf("token for %q: %d", user, resp.StatusCode)
		}
		if want := s.Dir + userauth.Segment(user) + "/"; tok.Dir != want {
			t.Fatalf("token for %q: dir %q, want %q", user, tok.Dir, want)
		}
		return tok
	}
	ctx := context.Background()
	putAs := func(tok stsToken, key string) error {
		_, err := ossClient(tok).PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(tok.Bucket), Key: oss.Ptr(key), Body: strings.NewReader("x")})
		return err
	}

	id64 := strings.Repeat("u", 64)
	for _, pair := range [][2]string{{"张三", "李四"}, {"a+b@x.com", "a_b@x.com"}, {id64 + "x", id64}, {"alice", "bob"}} {
		a, b := sts(pair[0]), sts(pair[1])
		if a.Dir == b.Dir || a.AccessKeyID == b.AccessKeyID {
			t.Errorf("%q and %q share %s / %s", pair[0], pair[1], a.Dir, a.AccessKeyID)
		}
		if err := putAs(a, a.Dir+"own.txt"); err != nil {
			t.Errorf("%q into its own prefix: %v", pair[0], err)
		}
		for _, key := range []string{b.Dir + "theirs.txt", s.Dir + "shared.txt"} {
			if err := putAs(a, key); ossCode(err) != "AccessDenied" {
				t.Errorf("%q's credentials wrote %s: %v", pair[0], key, err)
			}
		}
		if err := putAs(b, a.Dir+"theirs.txt"); ossCode(err) != "AccessDenied" {
			t.Errorf("%q's credentials wrote into %s: %v", pair[1], a.Dir, err)
		}
	}

	// The signers put keys under the user's prefix; the uploads land there.
	var p presigned
	if resp := call(t, "GET", s.OriginURL, "/get_presigned_url_for_oss_upload?filename=x.png&size=3", bearer("a+b@x.com"), &p); resp.StatusCode != 200 || !strings.HasPrefix(p.Key, s.Dir+"a~2Bb@x.com/") {
		t.Fatalf("presign: %d %q", resp.StatusCode, p.Key)
	}
	if status, code := ossError(t, put(t, p, []byte("png"), p.Headers)); status != 200 {
		t.Fatalf("presigned upload: %d %s", status, code)
	}
	var ps postSignature
	if resp := call(t, "GET", s.OriginURL, "/get_post_signature_for_oss_upload?filename=n.txt", bearer("张三"), &ps); resp.StatusCode != 200 || !strings.HasPrefix(ps.Key, s.Dir+userauth.Segment("张三")+"/") {
		t.Fatalf("post policy: %d %q", resp.StatusCode, ps.Key)
	}
	if status, code := ossError(t, postForm(t, ps.Host, fieldsOf(ps.Fields), "n.txt", []byte("hello"))); status != 200 {
		t.Fatalf("form upload: %d %s", status, code)
	}

	// A client header never chooses the prefix: with a token it is ignored, without one it is refused.
	spoofed := bearer("alice")
	spoofed["X-User-Id"] = "bob"
	var tok stsToken
	if resp := call(t, "GET", s.OriginURL, "/get_sts_token_for_oss_upload", spoofed, &tok); resp.StatusCode != 200 || tok.Dir != s.Dir+"alice/" {
		t.Errorf("token + X-User-Id: %d %q", resp.StatusCode, tok.Dir)
	}
	claims := s.Issuer.Claims("alice")
	claims["exp"] = time.Now().Add(-10 * time.Minute).Unix()
	expired, _ := s.Issuer.Sign("", claims)
	for name, h := range map[string]map[string]string{
		"no token":             nil,
		"X-User-Id, no token":  {"X-User-Id": "bob"},
		"expired":              {"Authorization": "Bearer " + expired},
		"alg none":             {"Authorization": "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJib2IifQ."},
		"X-Fc-Jwt-Sub, header": {"X-Fc-Jwt-Sub": "bob"},
	} {
		for _, path := range []string{"/get_sts_token_for_oss_upload", "/get_post_signature_for_oss_upload", "/get_presigned_url_for_oss_upload"} {
			if resp := call(t, "GET", s.OriginURL, path, h, nil); resp.StatusCode != 401 || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%s %s: %d %q", name, path, resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
			}
		}
	}
	// The pages and same-origin preflights need no token.
	for _, fn := range []string{"sts", "postsignature", "presignedurl"} {
		if resp := call(t, "GET", s.OriginURL, "/"+fn+"/", nil, nil); resp.StatusCode != 200 {
			t.Errorf("page %s: %d", fn, resp.StatusCode)
		}
	}
	pre := map[string]string{"Origin": s.OriginURL, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization"}
	if resp := call(t, "OPTIONS", s.OriginURL, "/get_sts_token_for_oss_upload", pre, nil); resp.StatusCode != 204 {
		t.Errorf("preflight: %d", resp.StatusCode)
	}
	// The authorizers fetch the key set once each; the callback function never sees a token.
	if n := s.Issuer.Fetches(); n != len(config.Authorizers) {
		t.Errorf("JWKS fetched %d times by %d authorizers, want once each", n, len(config.Authorizers))
	}
}

// TestUserHeaderIgnoredWhenOff: on the default stack (per-user mode off) a client-sent user header
// changes nothing.
func TestUserHeaderIgnoredWhenOff(t *testing.T) {
	var tok stsToken
	if resp := call(t, "GET", stack.OriginURL, "/get_sts_token_for_oss_upload", map[string]string{"X-User-Id": "../admin"}, &tok); resp.StatusCode != 200 || tok.Dir != stack.Dir {
		t.Fatalf("%d dir %q, want %q", resp.StatusCode, tok.Dir, stack.Dir)
	}
}
