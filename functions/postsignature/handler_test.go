package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/shared/api"
	"github.com/fc-oss-upload/fc-oss-upload/shared/config"
	"github.com/fc-oss-upload/fc-oss-upload/shared/fcweb/fcwebtest"
	"github.com/fc-oss-upload/fc-oss-upload/shared/ossauth"
	"github.com/fc-oss-upload/fc-oss-upload/shared/upload"
)

var (
	testNow   = time.Date(2026, 11, 23, 8, 30, 0, 0, time.UTC)
	testCreds = ossauth.Credentials{AccessKeyID: "STS.NUfunctionrole", AccessKeySecret: "role-secret", SecurityToken: "role-token"}
)

type staticCreds struct{ c ossauth.Credentials }

func (s staticCreds) Credentials(context.Context) (ossauth.Credentials, error) { return s.c, nil }

func newTestHandler(t *testing.T, env map[string]string) http.Handler {
	t.Helper()
	base := map[string]string{
		"OSS_BUCKET": "examplebucket", "OSS_REGION": "oss-cn-hangzhou", "OSS_MAX_SIZE_BYTES": "10485760",
		"CORS_ALLOWED_ORIGINS": "https://app.example.com",
	}
	for k, v := range env {
		base[k] = v
	}
	cfg, err := config.Load(config.FunctionPostSignature, func(k string) string { return base[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Auth != nil {
		cfg.Auth = fcwebtest.Verifier(t, base, testNow)
	}
	h, err := newHandler(cfg, &upload.Signer{Creds: staticCreds{testCreds}, Endpoint: cfg.Endpoint, Region: cfg.Region}, func() time.Time { return testNow })
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func invoke(t *testing.T, h http.Handler, fixture string) fcwebtest.Response {
	t.Helper()
	return fcwebtest.Invoke(t, h, fcwebtest.Fixture(t, filepath.Join("testdata", fixture+".json")), testCreds)
}

// conditions decodes the signed policy's conditions as generic JSON values.
func conditions(t *testing.T, policyB64 string) (string, []any) {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(policyB64)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Expiration string `json:"expiration"`
		Conditions []any  `json:"conditions"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("policy is not JSON: %s", raw)
	}
	return doc.Expiration, doc.Conditions
}

func has(conds []any, want any) bool {
	w, _ := json.Marshal(want)
	var norm any
	json.Unmarshal(w, &norm)
	for _, c := range conds {
		if reflect.DeepEqual(c, norm) {
			return true
		}
	}
	return false
}

func TestPostPolicyServerChosenKey(t *testing.T) {
	t.Parallel()
	r := invoke(t, newTestHandler(t, map[string]string{"OSS_FORBID_OVERWRITE": "true"}), "get_json")
	if r.Status != 200 {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	var got api.PostPolicy
	r.JSON(t, &got)
	if !regexp.MustCompile(`^uploads/2026/11/23/[0-9a-f]{32}\.png$`).MatchString(got.Key) {
		t.Errorf("key %q", got.Key)
	}
	if got.SignatureVersion != "OSS4-HMAC-SHA256" || got.Credential != "STS.NUfunctionrole/20261123/cn-hangzhou/oss/aliyun_v4_request" ||
		got.Date != "20261123T083000Z" || got.SecurityToken != "role-token" || got.Host != "https://examplebucket.oss-cn-hangzhou.aliyuncs.com" ||
		got.Dir != "uploads/" || got.Expiration != "2026-11-23T08:40:00Z" || len(got.Signature) != 64 {
		t.Errorf("response %+v", got)
	}
	exp, conds := conditions(t, got.Policy)
	if exp != "2026-11-23T08:40:00.000Z" {
		t.Errorf("expiration %s", exp)
	}
	for _, want := range []any{
		map[string]string{"bucket": "examplebucket"},
		map[string]string{"x-oss-credential": got.Credential},
		map[string]string{"x-oss-date": got.Date},
		map[string]string{"x-oss-signature-version": "OSS4-HMAC-SHA256"},
		map[string]string{"x-oss-security-token": "role-token"},
		[]any{"eq", "$key", got.Key},
		[]any{"content-length-range", 0, 10485760},
		[]any{"eq", "$content-type", "image/png"},
		// OSS stores x-oss-content-type before the Content-Type field: bound too (issue 18 row 1).
		[]any{"eq", "$x-oss-content-type", "image/png"},
		[]any{"eq", "$x-oss-forbid-overwrite", "true"},
		// Served as an image, inline: no disposition, no encoding, no ACL may be added.
		[]any{"eq", "$content-disposition", ""},
		[]any{"eq", "$content-encoding", ""},
		[]any{"eq", "$x-oss-object-acl", ""},
		[]any{"eq", "$x-oss-storage-class", ""},
		// No redirect after the upload, and the status the pages read (issue 18 row 8).
		[]any{"eq", "$success_action_status", "200"},
		[]any{"eq", "$success_action_redirect", ""},
	} {
		if !has(conds, want) {
			t.Errorf("policy lacks %v: %v", want, conds)
		}
	}
	for k, v := range map[string]string{"key": got.Key, "policy": got.Policy, "x-oss-signature": got.Signature, "x-oss-credential": got.Credential,
		"x-oss-date": got.Date, "x-oss-signature-version": "OSS4-HMAC-SHA256", "x-oss-security-token": "role-token",
		"Content-Type": "image/png", "x-oss-content-type": "image/png", "x-oss-forbid-overwrite": "true", "success_action_status": "200"} {
		if got.Fields[k] != v {
			t.Errorf("field %s = %q, want %q", k, got.Fields[k], v)
		}
	}
}

// TestPostPolicyUnknownTypeIsAttachment: by default a policy that binds no type makes the upload a
// download (issue 18 row 3): the browser's own file type could be text/html.
func TestPostPolicyUnknownTypeIsAttachment(t *testing.T) {
	t.Parallel()
	r := invoke(t, newTestHandler(t, nil), "get_no_params")
	var got api.PostPolicy
	r.JSON(t, &got)
	_, conds := conditions(t, got.Policy)
	if r.Status != 200 || !has(conds, []any{"eq", "$content-disposition", "attachment"}) || got.Fields["Content-Disposition"] != "attachment" {
		t.Fatalf("%d disposition not bound: %v %v", r.Status, conds, got.Fields)
	}
}

// TestPostPolicyPublishedClient: with no parameters (Alibaba's published form code) and the
// settings the README names for it, the key is bound by prefix and nothing the published code
// cannot send is required.
func TestPostPolicyPublishedClient(t *testing.T) {
	t.Parallel()
	r := invoke(t, newTestHandler(t, map[string]string{"OSS_ALLOW_ACTIVE_CONTENT": "true", "OSS_FORBID_OVERWRITE": "false"}), "get_no_params")
	var got api.PostPolicy
	r.JSON(t, &got)
	if r.Status != 200 || got.Key != "" || got.Fields["key"] != "" {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	_, conds := conditions(t, got.Policy)
	if !has(conds, []any{"starts-with", "$key", "uploads/"}) {
		t.Errorf("no prefix condition: %v", conds)
	}
	for _, c := range conds {
		if arr, ok := c.([]any); ok && len(arr) > 1 && arr[1] == "$content-type" {
			t.Errorf("unexpected content type condition %v", arr)
		}
	}
}

func TestPostPolicyLimitsTypesAndSize(t *testing.T) {
	t.Parallel()
	h := newTestHandler(t, map[string]string{"OSS_ALLOWED_CONTENT_TYPES": "image/png,application/pdf"})
	r := invoke(t, h, "get_no_params")
	var got api.PostPolicy
	r.JSON(t, &got)
	_, conds := conditions(t, got.Policy)
	if !has(conds, []any{"in", "$content-type", []string{"image/png", "application/pdf"}}) ||
		!has(conds, []any{"in", "$x-oss-content-type", []string{"image/png", "application/pdf"}}) {
		t.Errorf("no type allow-list: %v", conds)
	}
	// application/pdf is not inert: any upload under this policy is served as a download.
	if !has(conds, []any{"eq", "$content-disposition", "attachment"}) {
		t.Errorf("no attachment for a list with an active type: %v", conds)
	}
	r = invoke(t, h, "post_json_base64") // report.pdf, size 1234
	r.JSON(t, &got)
	_, conds = conditions(t, got.Policy)
	if r.Status != 200 || !has(conds, []any{"content-length-range", 1234, 1234}) || got.MaxSize != 1234 {
		t.Errorf("%d exact size not bound: %v", r.Status, conds)
	}
	for fixture, want := range map[string]int{"get_type_not_allowed": 415, "get_size_too_large": 413, "get_bad_filename": 400, "post_bad_json": 400} {
		if r := invoke(t, h, fixture); r.Status != want || r.ErrorCode(t) == "" {
			t.Errorf("%s: %d %s, want %d", fixture, r.Status, r.Body, want)
		}
	}
}

func TestEdge(t *testing.T) {
	t.Parallel()
	fcwebtest.CheckEdge(t, newTestHandler(t, nil), fcwebtest.Edge{APIPath: APIPath, AllowedOrigin: "https://app.example.com", Creds: testCreds})
}

func TestPostPolicyPerUserPrefix(t *testing.T) {
	t.Parallel()
	idp, env := fcwebtest.Issuer(t, testNow)
	h := newTestHandler(t, env)
	mint := func(user string) string {
		tok, err := idp.Mint(user)
		if err != nil {
			t.Fatal(err)
		}
		return "Bearer " + tok
	}
	// The fixture also sends X-User-Id: alice@example.com, which must change nothing.
	ev := fcwebtest.Fixture(t, filepath.Join("testdata", "get_as_user.json"))
	r := fcwebtest.Invoke(t, h, fcwebtest.WithHeader(ev, "Authorization", mint("bob@example.com")), testCreds)
	var got api.PostPolicy
	r.JSON(t, &got)
	if r.Status != 200 || got.Dir != "uploads/bob@example.com/" || !regexp.MustCompile(`^uploads/bob@example\.com/2026/11/23/[0-9a-f]{32}\.png$`).MatchString(got.Key) {
		t.Fatalf("%d dir %q key %q", r.Status, got.Dir, got.Key)
	}
	_, conds := conditions(t, got.Policy)
	if !has(conds, []any{"eq", "$key", got.Key}) {
		t.Errorf("policy does not bind the key: %v", conds)
	}
	// Without a key: the policy's starts-with is the user's prefix.
	r = fcwebtest.Invoke(t, h, fcwebtest.WithHeader(fcwebtest.Fixture(t, filepath.Join("testdata", "get_no_params.json")), "Authorization", mint("a+b@x.com")), testCreds)
	r.JSON(t, &got)
	if _, conds := conditions(t, got.Policy); r.Status != 200 || got.Dir != "uploads/a~2Bb@x.com/" || !has(conds, []any{"starts-with", "$key", "uploads/a~2Bb@x.com/"}) {
		t.Errorf("%d dir %q %v", r.Status, got.Dir, conds)
	}
	// A spoofed user header without a token, no token, an expired token: 401 with a Bearer challenge.
	expired, _ := idp.Sign("", map[string]any{"iss": idp.URL, "aud": idp.Audience, "sub": "alice", "exp": testNow.Add(-2 * time.Minute).Unix()})
	for name, r := range map[string]fcwebtest.Response{
		"spoofed header": invoke(t, h, "get_as_user"),
		"no token":       invoke(t, h, "get_json"),
		"expired":        fcwebtest.Invoke(t, h, fcwebtest.WithHeader(ev, "Authorization", "Bearer "+expired), testCreds),
	} {
		if r.Status != 401 || r.ErrorCode(t) != "unauthenticated" || !strings.HasPrefix(r.Headers.Get("WWW-Authenticate"), "Bearer ") {
			t.Errorf("%s: %d %v %s", name, r.Status, r.Headers, r.Body)
		}
	}
	// The demo page, CORS preflights and the other edge answers need no token.
	fcwebtest.CheckEdge(t, h, fcwebtest.Edge{APIPath: APIPath, AllowedOrigin: "https://app.example.com", Creds: testCreds})
}
