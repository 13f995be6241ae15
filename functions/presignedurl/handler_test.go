package main

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/shared/api"
	"github.com/fc-oss-upload/fc-oss-upload/shared/config"
	"github.com/fc-oss-upload/fc-oss-upload/shared/fcweb/fcwebtest"
	"github.com/fc-oss-upload/fc-oss-upload/shared/ossauth"
	"github.com/fc-oss-upload/fc-oss-upload/shared/rolecred"
	"github.com/fc-oss-upload/fc-oss-upload/shared/userauth"
)

var (
	testNow   = time.Date(2026, 11, 23, 8, 30, 0, 0, time.UTC)
	testCreds = ossauth.Credentials{AccessKeyID: "STS.NUfunctionrole", AccessKeySecret: "role-secret", SecurityToken: "role-token"}
)

type staticCreds struct {
	c   ossauth.Credentials
	err error
}

func (s staticCreds) Credentials(context.Context) (ossauth.Credentials, error) { return s.c, s.err }

func newTestHandler(t *testing.T, env map[string]string, creds rolecred.Provider) http.Handler {
	t.Helper()
	base := map[string]string{
		"OSS_BUCKET": "examplebucket", "OSS_REGION": "cn-hangzhou",
		"OSS_ALLOWED_CONTENT_TYPES": "image/png,image/jpeg,application/pdf,application/octet-stream",
		"CORS_ALLOWED_ORIGINS":      "https://app.example.com",
	}
	for k, v := range env {
		base[k] = v
	}
	cfg, err := config.Load(config.FunctionPresignedURL, func(k string) string { return base[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Auth != nil {
		cfg.Auth = fcwebtest.Verifier(t, base, testNow)
	}
	h, err := newHandler(cfg, deps{creds: creds, store: newSDKStore(cfg.InternalEndpoint, cfg.Bucket, cfg.Region), now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func invoke(t *testing.T, h http.Handler, fixture string) fcwebtest.Response {
	t.Helper()
	return fcwebtest.Invoke(t, h, fcwebtest.Fixture(t, filepath.Join("testdata", fixture+".json")), testCreds)
}

var keyRE = regexp.MustCompile(`^uploads/2026/11/23/[0-9a-f]{32}\.png$`)

func TestPresignJSON(t *testing.T) {
	t.Parallel()
	r := invoke(t, newTestHandler(t, nil, staticCreds{c: testCreds}), "get_json")
	if r.Status != 200 {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	var got api.PresignedPut
	r.JSON(t, &got)
	// Defaults: overwrite forbidden, size signed (a limit is set), no disposition for an inert type.
	wantHeaders := map[string]string{"Content-Type": "image/png", "Content-Length": "52133", "x-oss-forbid-overwrite": "true"}
	if !keyRE.MatchString(got.Key) || got.Method != "PUT" || len(got.Headers) != len(wantHeaders) {
		t.Errorf("response %+v", got)
	}
	for k, v := range wantHeaders {
		if got.Headers[k] != v {
			t.Errorf("header %s = %q, want %q", k, got.Headers[k], v)
		}
	}
	if got.Expire != testNow.Add(10*time.Minute).Unix() || got.Expiration != "2026-11-23T08:40:00Z" {
		t.Errorf("expiry %d %s", got.Expire, got.Expiration)
	}
	u, err := url.Parse(got.URL)
	if err != nil {
		t.Fatal(err)
	}
	if u.Scheme != "https" || u.Host != "examplebucket.oss-cn-hangzhou.aliyuncs.com" || u.Path != "/"+got.Key {
		t.Errorf("URL %s", got.URL)
	}
	q := u.Query()
	want := map[string]string{
		"x-oss-signature-version": "OSS4-HMAC-SHA256",
		"x-oss-credential":        "STS.NUfunctionrole/20261123/cn-hangzhou/oss/aliyun_v4_request",
		"x-oss-date":              "20261123T083000Z",
		"x-oss-expires":           "600",
		"x-oss-security-token":    "role-token",
	}
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, q.Get(k), v)
		}
	}
	if len(q.Get("x-oss-signature")) != 64 {
		t.Errorf("signature %q", q.Get("x-oss-signature"))
	}
	if r.Headers.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", r.Headers.Get("Cache-Control"))
	}
}

func TestPresignTextForPublishedClient(t *testing.T) {
	t.Parallel()
	// The settings the README names for Alibaba's published presign client.
	h := newTestHandler(t, map[string]string{"OSS_DEFAULT_CONTENT_TYPE": "image/png", "OSS_MAX_SIZE_BYTES": "0", "OSS_FORBID_OVERWRITE": "false"}, staticCreds{c: testCreds})
	r := invoke(t, h, "get_text")
	if r.Status != 200 || !strings.HasPrefix(r.Headers.Get("Content-Type"), "text/plain") {
		t.Fatalf("status %d type %q", r.Status, r.Headers.Get("Content-Type"))
	}
	u, err := url.Parse(string(r.Body))
	if err != nil || u.Query().Get("x-oss-signature") == "" {
		t.Fatalf("body is not a signed URL: %s", r.Body)
	}
	if !regexp.MustCompile(`^/uploads/2026/11/23/[0-9a-f]{32}$`).MatchString(u.Path) {
		t.Errorf("path %s", u.Path)
	}
}

func TestPresignPostJSONBodyWithSize(t *testing.T) {
	t.Parallel()
	h := newTestHandler(t, nil, staticCreds{c: testCreds})
	r := invoke(t, h, "post_json_base64")
	if r.Status != 200 {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	var got api.PresignedPut
	r.JSON(t, &got)
	wantHeaders := map[string]string{"Content-Type": "application/pdf", "Content-Length": "1234", "x-oss-forbid-overwrite": "true"}
	for k, v := range wantHeaders {
		if got.Headers[k] != v {
			t.Errorf("header %s = %q, want %q", k, got.Headers[k], v)
		}
	}
	if !strings.HasSuffix(got.Key, ".pdf") {
		t.Errorf("key %s", got.Key)
	}
	u, _ := url.Parse(got.URL)
	// application/pdf can run script in a browser's viewer: served as a download.
	if got.Headers["Content-Disposition"] != "attachment" {
		t.Errorf("Content-Disposition %q, want attachment", got.Headers["Content-Disposition"])
	}
	if u.Query().Get("x-oss-additional-headers") != "content-disposition;content-length" {
		t.Errorf("content-length and content-disposition are not signed: %s", u.RawQuery)
	}
}

// TestPresignSizeRequired: with a size limit, an unsized URL would accept any body up to 5 GiB.
func TestPresignSizeRequired(t *testing.T) {
	t.Parallel()
	r := invoke(t, newTestHandler(t, nil, staticCreds{c: testCreds}), "get_json_nosize")
	if r.Status != 400 || r.ErrorCode(t) != "invalid_argument" || !strings.Contains(string(r.Body), "size") {
		t.Fatalf("got %d %s", r.Status, r.Body)
	}
	// Without a limit (OSS_MAX_SIZE_BYTES=0) the size may stay unsigned.
	r = invoke(t, newTestHandler(t, map[string]string{"OSS_MAX_SIZE_BYTES": "0"}, staticCreds{c: testCreds}), "get_json_nosize")
	var got api.PresignedPut
	r.JSON(t, &got)
	if r.Status != 200 || got.Headers["Content-Length"] != "" {
		t.Fatalf("got %d %s", r.Status, r.Body)
	}
}

func TestPresignErrors(t *testing.T) {
	t.Parallel()
	h := newTestHandler(t, nil, staticCreds{c: testCreds})
	cases := []struct {
		fixture string
		status  int
		code    string
	}{
		{"get_size_too_large", 413, "payload_too_large"},
		{"get_type_not_allowed", 415, "unsupported_media_type"},
		{"get_bad_filename", 400, "invalid_argument"},
		{"get_bad_size", 400, "invalid_argument"},
		{"post_bad_json", 400, "invalid_argument"},
		{"post_bad_base64", 400, "invalid_argument"},
	}
	for _, c := range cases {
		t.Run(c.fixture, func(t *testing.T) {
			r := invoke(t, h, c.fixture)
			if r.Status != c.status || r.ErrorCode(t) != c.code {
				t.Errorf("got %d %s, want %d %s", r.Status, r.Body, c.status, c.code)
			}
			var body struct {
				Error struct{ Message, RequestID string }
			}
			r.JSON(t, &body)
			if body.Error.Message == "" || body.Error.RequestID != "test-request-id" {
				t.Errorf("error body %s", r.Body)
			}
			if r.Headers.Get("Access-Control-Allow-Origin") != "" {
				t.Errorf("CORS header on an error for a foreign origin")
			}
		})
	}
}

func TestPresignCredentialsUnavailable(t *testing.T) {
	t.Parallel()
	h := newTestHandler(t, nil, staticCreds{err: errors.New("chain: no provider")})
	r := invoke(t, h, "get_json")
	if r.Status != 503 || r.ErrorCode(t) != "unavailable" || r.Headers.Get("Retry-After") == "" {
		t.Fatalf("got %d %v %s", r.Status, r.Headers, r.Body)
	}
	if strings.Contains(string(r.Body), "chain: no provider") {
		t.Errorf("internal cause leaked to the client: %s", r.Body)
	}
}

func TestEdge(t *testing.T) {
	t.Parallel()
	fcwebtest.CheckEdge(t, newTestHandler(t, nil, staticCreds{c: testCreds}), fcwebtest.Edge{APIPath: APIPath, AllowedOrigin: "https://app.example.com", Creds: testCreds})
}

func TestPresignPerUserPrefix(t *testing.T) {
	t.Parallel()
	idp, env := fcwebtest.Issuer(t, testNow)
	h := newTestHandler(t, env, staticCreds{c: testCreds})
	ev := fcwebtest.Fixture(t, filepath.Join("testdata", "get_as_user.json")) // also sends X-User-Id: alice@example.com
	keyOf := func(user string) (int, string) {
		tok, err := idp.Mint(user)
		if err != nil {
			t.Fatal(err)
		}
		r := fcwebtest.Invoke(t, h, fcwebtest.WithHeader(ev, "Authorization", "Bearer "+tok), testCreds)
		var got api.PresignedPut
		r.JSON(t, &got)
		if u, err := url.Parse(got.URL); r.Status == 200 && (err != nil || u.Path != "/"+got.Key) {
			t.Errorf("URL %q does not sign key %q", got.URL, got.Key)
		}
		return r.Status, got.Key
	}
	id64 := strings.Repeat("u", 64)
	for _, pair := range [][2]string{{"张三", "李四"}, {"a+b@x.com", "a_b@x.com"}, {id64 + "x", id64}} {
		sa, ka := keyOf(pair[0])
		sb, kb := keyOf(pair[1])
		da, db := "uploads/"+userauth.Segment(pair[0])+"/", "uploads/"+userauth.Segment(pair[1])+"/"
		if sa != 200 || sb != 200 || da == db || !strings.HasPrefix(ka, da) || !strings.HasPrefix(kb, db) {
			t.Errorf("%q -> %d %q, %q -> %d %q", pair[0], sa, ka, pair[1], sb, kb)
		}
	}
	if _, k := keyOf("a+b@x.com"); !strings.HasPrefix(k, "uploads/a~2Bb@x.com/2026/11/23/") {
		t.Errorf("key %q", k)
	}
	if r := invoke(t, h, "get_as_user"); r.Status != 401 || r.ErrorCode(t) != "unauthenticated" || r.Headers.Get("WWW-Authenticate") != `Bearer realm="fc-oss-upload"` {
		t.Errorf("spoofed header without a token: %d %v %s", r.Status, r.Headers, r.Body)
	}
	if r := fcwebtest.Invoke(t, h, fcwebtest.WithHeader(ev, "Authorization", "Bearer x.y.z"), testCreds); r.Status != 401 ||
		r.Headers.Get("WWW-Authenticate") != `Bearer realm="fc-oss-upload", error="invalid_token"` {
		t.Errorf("bad token: %d %v %s", r.Status, r.Headers, r.Body)
	}
	// The demo page, CORS preflights and the other edge answers need no token.
	fcwebtest.CheckEdge(t, h, fcwebtest.Edge{APIPath: APIPath, AllowedOrigin: "https://app.example.com", Creds: testCreds})
	// With per-user mode off, the header is ignored.
	r := invoke(t, newTestHandler(t, nil, staticCreds{c: testCreds}), "get_as_user")
	var got api.PresignedPut
	r.JSON(t, &got)
	if !keyRE.MatchString(got.Key) {
		t.Errorf("header honoured while per-user mode is off: %q", got.Key)
	}
}
