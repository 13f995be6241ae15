package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"

	"github.com/fc-oss-upload/fc-oss-upload/shared/config"
	"github.com/fc-oss-upload/fc-oss-upload/shared/ossauth"
	"github.com/fc-oss-upload/fc-oss-upload/shared/upload"
)

// fakeStore records the multipart calls and answers with parts set by the test.
type fakeStore struct {
	mu          sync.Mutex
	parts       []uploadedPart
	calls       []string
	ct          string
	forbid      bool
	disposition string
	failWith    error
}

func (f *fakeStore) record(c string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, c)
	return f.failWith
}

func (f *fakeStore) Initiate(_ context.Context, _ ossauth.Credentials, key string, init initiation) (string, error) {
	f.ct, f.forbid, f.disposition = init.ContentType, init.ForbidOverwrite, init.Disposition
	return "0123456789ABCDEF0123456789ABCDEF", f.record("initiate " + key)
}
func (f *fakeStore) ListParts(context.Context, ossauth.Credentials, string, string) ([]uploadedPart, error) {
	return f.parts, f.record("list")
}
func (f *fakeStore) Complete(_ context.Context, _ ossauth.Credentials, _, _ string, parts []uploadedPart, fin completion) ([]byte, error) {
	return nil, f.record(fmt.Sprintf("complete %d forbid=%v callback=%v", len(parts), fin.ForbidOverwrite, fin.Callback != ""))
}
func (f *fakeStore) Abort(context.Context, ossauth.Credentials, string, string) error {
	return f.record("abort")
}

func companionHandler(t *testing.T, store multipartStore, env map[string]string) http.Handler {
	t.Helper()
	base := map[string]string{
		"OSS_BUCKET": "examplebucket", "OSS_REGION": "cn-hangzhou", "OSS_MAX_SIZE_BYTES": fmt.Sprint(12 << 20),
		"OSS_ALLOWED_CONTENT_TYPES": "image/png,video/mp4,application/octet-stream,application/pdf", "OSS_FORBID_OVERWRITE": "true",
		"CORS_ALLOWED_ORIGINS": "https://app.example.com",
	}
	for k, v := range env {
		base[k] = v
	}
	cfg, err := config.Load(config.FunctionPresignedURL, func(k string) string { return base[k] })
	if err != nil {
		t.Fatal(err)
	}
	h, err := newHandlerWithStore(cfg, staticCreds{c: testCreds}, func() time.Time { return testNow }, store)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func call(t *testing.T, h http.Handler, method, target, body string, header map[string]string) (*httptest.ResponseRecorder, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out map[string]any
	json.Unmarshal(rec.Body.Bytes(), &out)
	return rec, out
}

func errCode(out map[string]any) string {
	e, _ := out["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

const issuedKey = "uploads/2026/11/23/00112233445566778899aabbccddeeff.mp4"

func TestCompanionCreate(t *testing.T) {
	t.Parallel()
	store := &fakeStore{}
	h := companionHandler(t, store, nil)
	rec, out := call(t, h, "POST", "/s3/multipart", `{"filename":"clip.mp4","type":"","metadata":{"name":"clip.mp4"}}`, map[string]string{"Content-Type": "application/json"})
	if rec.Code != 200 || !strings.HasPrefix(out["key"].(string), "uploads/2026/11/23/") || out["uploadId"] != "0123456789ABCDEF0123456789ABCDEF" ||
		out["partSize"] != float64(PartSize) || out["maxParts"] != float64(3) {
		t.Fatalf("%d %v", rec.Code, out)
	}
	if store.ct != "video/mp4" || !store.forbid || store.disposition != "" {
		t.Errorf("initiated with type %q forbid %v disposition %q", store.ct, store.forbid, store.disposition)
	}
	// Active content is stored as an attachment, as single uploads are (upload.Rules.Disposition).
	if rec, _ := call(t, h, "POST", "/s3/multipart", `{"filename":"doc.pdf"}`, nil); rec.Code != 200 || store.ct != "application/pdf" || store.disposition != "attachment" {
		t.Errorf("pdf: %d type %q disposition %q", rec.Code, store.ct, store.disposition)
	}
	for _, c := range []struct{ body, code string }{
		{`{"filename":"a.html","type":"text/html"}`, "unsupported_media_type"},
		{`{"filename":"a.png","size":12582913}`, "payload_too_large"},
		{`{"filename":"a.png","size":-2}`, "invalid_argument"},
		{`not json`, "invalid_argument"},
		{``, "invalid_argument"},
	} {
		if _, out := call(t, h, "POST", "/s3/multipart", c.body, nil); errCode(out) != c.code {
			t.Errorf("%s: %v, want %s", c.body, out, c.code)
		}
	}
}

func TestCompanionSignPart(t *testing.T) {
	t.Parallel()
	h := companionHandler(t, &fakeStore{}, nil)
	path := "/s3/multipart/0123456789ABCDEF0123456789ABCDEF/3?key=" + url.QueryEscape(issuedKey)
	rec, out := call(t, h, "GET", path+"&size=1000", "", nil)
	if rec.Code != 200 || out["expires"] != float64(600) || out["contentLength"] != float64(1000) {
		t.Fatalf("%d %v", rec.Code, out)
	}
	u, _ := url.Parse(out["url"].(string))
	q := u.Query()
	if u.Path != "/"+issuedKey || q.Get("partNumber") != "3" || q.Get("uploadId") != "0123456789ABCDEF0123456789ABCDEF" ||
		q.Get("x-oss-additional-headers") != "content-length" || q.Get("x-oss-expires") != "600" {
		t.Errorf("URL %s", u)
	}
	// The same URL without a size signs no length.
	if _, out := call(t, h, "GET", path, "", nil); strings.Contains(out["url"].(string), "additional-headers") {
		t.Errorf("unsized part URL %v", out["url"])
	}
	for _, c := range []struct{ target, code string }{
		{"/s3/multipart/0123456789ABCDEF0123456789ABCDEF/4?key=" + url.QueryEscape(issuedKey), "invalid_argument"}, // 12 MiB / 5 MiB: 3 parts
		{"/s3/multipart/0123456789ABCDEF0123456789ABCDEF/0?key=" + url.QueryEscape(issuedKey), "invalid_argument"},
		{path + fmt.Sprintf("&size=%d", PartSize+1), "invalid_argument"},
		{path + "&size=0", "invalid_argument"},
		{"/s3/multipart/0123456789ABCDEF0123456789ABCDEF/1", "invalid_argument"},
		{"/s3/multipart/0123456789ABCDEF0123456789ABCDEF/1?key=" + url.QueryEscape(issuedKey) + "&key=x", "invalid_argument"},
		{"/s3/multipart/0123456789ABCDEF0123456789ABCDEF/1?key=private/2026/11/23/00112233445566778899aabbccddeeff.mp4", "permission_denied"},
		{"/s3/multipart/0123456789ABCDEF0123456789ABCDEF/1?key=uploads/secret.txt", "invalid_argument"},
		{"/s3/multipart/a%20b/1?key=" + url.QueryEscape(issuedKey), "invalid_argument"},
	} {
		if rec, out := call(t, h, "GET", c.target, "", nil); errCode(out) != c.code {
			t.Errorf("%s: %d %v, want %s", c.target, rec.Code, out, c.code)
		}
	}
}

func parts(sizes ...int64) []uploadedPart {
	out := make([]uploadedPart, len(sizes))
	for i, s := range sizes {
		out[i] = uploadedPart{PartNumber: i + 1, Size: s, ETag: fmt.Sprintf(`"%032X"`, i+1)}
	}
	return out
}

func TestCheckParts(t *testing.T) {
	t.Parallel()
	const ps = 100
	ok := parts(ps, ps, 1)
	if total, err := checkParts(ok, ok, ps, 201, 3); err != nil || total != 201 {
		t.Fatalf("valid parts: %d %v", total, err)
	}
	unquoted := parts(ps, ps, 1)
	for i := range unquoted {
		unquoted[i].ETag = strings.ToLower(strings.Trim(unquoted[i].ETag, `"`))
	}
	if _, err := checkParts(unquoted, ok, ps, 0, 3); err != nil {
		t.Errorf("ETags without quotes (Uppy 6 strips them): %v", err)
	}
	badETag := parts(ps, ps, 1)
	badETag[1].ETag = "x"
	for _, c := range []struct {
		name         string
		listed, held []uploadedPart
		maxSize      int64
		maxParts     int
		code         upload.Code
	}{
		{"one left out", ok[:2], ok, 0, 3, upload.CodeInvalidArgument},
		{"one not uploaded", ok, ok[:2], 0, 3, upload.CodeInvalidArgument},
		{"wrong ETag", badETag, ok, 0, 3, upload.CodeInvalidArgument},
		{"short part before the last", parts(ps, ps-1, 1), parts(ps, ps-1, 1), 0, 3, upload.CodeInvalidArgument},
		{"last part over the part size", parts(ps, ps+1), parts(ps, ps+1), 0, 3, upload.CodeInvalidArgument},
		{"total over the limit", ok, ok, 200, 3, upload.CodePayloadTooLarge},
		{"too many parts", ok, ok, 0, 2, upload.CodePayloadTooLarge},
	} {
		if _, err := checkParts(c.listed, c.held, ps, c.maxSize, c.maxParts); upload.AsError(err).Code != c.code || err == nil {
			t.Errorf("%s: %v, want %s", c.name, err, c.code)
		}
	}
}

func TestCompanionComplete(t *testing.T) {
	t.Parallel()
	path := "/s3/multipart/0123456789ABCDEF0123456789ABCDEF/complete?key=" + url.QueryEscape(issuedKey)
	body := func(ps []uploadedPart) string {
		b, _ := json.Marshal(map[string]any{"parts": ps})
		return string(b)
	}
	held := parts(PartSize, PartSize, 7)

	store := &fakeStore{parts: held}
	h := companionHandler(t, store, nil)
	// Listed in any order (Uppy does not promise one): sorted before the comparison.
	rev := []uploadedPart{held[2], held[0], held[1]}
	rec, out := call(t, h, "POST", path, body(rev), nil)
	if rec.Code != 200 || out["key"] != issuedKey || out["location"] != "https://examplebucket.oss-cn-hangzhou.aliyuncs.com/"+issuedKey || out["size"] != float64(2*PartSize+7) {
		t.Fatalf("%d %v", rec.Code, out)
	}
	if strings.Join(store.calls, ",") != "list,complete 3 forbid=true callback=false" {
		t.Errorf("calls %v", store.calls)
	}

	// Refused: aborted, never completed.
	store = &fakeStore{parts: parts(PartSize, PartSize, PartSize)}
	h = companionHandler(t, store, map[string]string{"OSS_MAX_SIZE_BYTES": fmt.Sprint(3*PartSize - 1)})
	if _, out := call(t, h, "POST", path, body(store.parts), nil); errCode(out) != "payload_too_large" {
		t.Fatalf("over the limit: %v", out)
	}
	if strings.Join(store.calls, ",") != "list,abort" {
		t.Errorf("calls %v", store.calls)
	}

	for _, c := range []struct{ body, code string }{
		{`{"parts":[]}`, "invalid_argument"},
		{`{"parts":[{"PartNumber":1,"ETag":"a"},{"PartNumber":1,"ETag":"a"}]}`, "invalid_argument"},
		{`{"parts":[{"PartNumber":0,"ETag":"a"}]}`, "invalid_argument"},
		{`{"parts":[{"PartNumber":1.5,"ETag":"a"}]}`, "invalid_argument"},
		{`{"parts":[{"PartNumber":1}]}`, "invalid_argument"},
		{`{"parts":[` + strings.Repeat(`{"PartNumber":1,"ETag":"a"},`, 4) + `{"PartNumber":1,"ETag":"a"}]}`, "payload_too_large"},
		{`{"parts":[{"PartNumber":1,"ETag":"` + strings.Repeat("a", 1<<20) + `"}]}`, "payload_too_large"},
	} {
		store := &fakeStore{parts: held}
		h := companionHandler(t, store, nil)
		if _, out := call(t, h, "POST", path, c.body, nil); errCode(out) != c.code || len(store.calls) != 0 {
			t.Errorf("%.80s: %v (calls %v), want %s", c.body, out, store.calls, c.code)
		}
	}
}

func TestCompanionListAbortAndOSSErrors(t *testing.T) {
	t.Parallel()
	path := "/s3/multipart/0123456789ABCDEF0123456789ABCDEF?key=" + url.QueryEscape(issuedKey)
	store := &fakeStore{parts: parts(PartSize, 9)}
	h := companionHandler(t, store, nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	var listed []uploadedPart
	if err := json.Unmarshal(rec.Body.Bytes(), &listed); rec.Code != 200 || err != nil || len(listed) != 2 || listed[1].Size != 9 {
		t.Fatalf("list: %d %s", rec.Code, rec.Body)
	}
	if rec, out := call(t, h, "DELETE", path, "", nil); rec.Code != 200 || len(out) != 0 {
		t.Fatalf("abort: %d %s", rec.Code, rec.Body)
	}
	for err, code := range map[error]string{
		oss.ServiceError{Code: "NoSuchUpload", StatusCode: 404}:  "not_found",
		oss.ServiceError{Code: "AccessDenied", StatusCode: 403}:  "internal",
		oss.ServiceError{Code: "InternalError", StatusCode: 500}: "unavailable",
		errors.New("dial tcp: connection refused"):               "unavailable",
	} {
		h := companionHandler(t, &fakeStore{failWith: err}, nil)
		if _, out := call(t, h, "DELETE", path, "", nil); errCode(out) != code {
			t.Errorf("%v: %v, want %s", err, out, code)
		}
	}
}

func TestCompanionRoutingAndCORS(t *testing.T) {
	t.Parallel()
	h := companionHandler(t, &fakeStore{}, nil)
	rec, _ := call(t, h, "OPTIONS", "/s3/multipart/X?key=k", "", map[string]string{
		"Origin": "https://app.example.com", "Access-Control-Request-Method": "DELETE", "Access-Control-Request-Headers": "content-type"})
	if rec.Code != 204 || !strings.Contains(rec.Header().Get("Access-Control-Allow-Methods"), "DELETE") ||
		!strings.Contains(strings.ToLower(rec.Header().Get("Access-Control-Allow-Headers")), "content-type") {
		t.Errorf("preflight: %d %v", rec.Code, rec.Header())
	}
	if rec, out := call(t, h, "DELETE", "/s3/params", "", nil); rec.Code != 404 || errCode(out) != "not_found" {
		t.Errorf("DELETE /s3/params: %d %v", rec.Code, out)
	}
	if rec, out := call(t, h, "PUT", "/s3/multipart", "", nil); rec.Code != 405 || errCode(out) != "method_not_allowed" {
		t.Errorf("PUT /s3/multipart: %d %v", rec.Code, out)
	}
	if rec, out := call(t, h, "POST", "/get_presigned_url_for_oss_upload", strings.Repeat("x", 70<<10), map[string]string{"Content-Type": "application/json"}); rec.Code != 413 {
		t.Errorf("the presign route keeps its 64 KiB body limit: %d %v", rec.Code, out)
	}
}

func TestCompanionParamsPolicy(t *testing.T) {
	t.Parallel()
	h := companionHandler(t, &fakeStore{}, nil)
	rec, out := call(t, h, "GET", "/s3/params?filename=pic.png&type=image/png&metadata%5Bname%5D=pic.png", "", nil)
	if rec.Code != 200 || out["method"] != "POST" || out["url"] != "https://examplebucket.oss-cn-hangzhou.aliyuncs.com" {
		t.Fatalf("%d %v", rec.Code, out)
	}
	f := out["fields"].(map[string]any)
	if f["Content-Type"] != "image/png" || f["x-oss-forbid-overwrite"] != "true" || f["success_action_status"] != "200" ||
		!strings.HasPrefix(f["key"].(string), "uploads/2026/11/23/") || f["x-oss-security-token"] != testCreds.SecurityToken {
		t.Errorf("fields %v", f)
	}
	// Without OSS_CALLBACK_URL the policy pins the callback field empty, as postsignature's does:
	// OSS takes form fields the policy does not name, so a client could add a callback.
	raw, err := base64.StdEncoding.DecodeString(f["policy"].(string))
	var pol struct{ Conditions []any }
	if err != nil || json.Unmarshal(raw, &pol) != nil {
		t.Fatalf("policy %q: %v", f["policy"], err)
	}
	if !slices.ContainsFunc(pol.Conditions, func(c any) bool { return fmt.Sprint(c) == "[eq $callback ]" }) {
		t.Errorf("the policy does not forbid a callback field: %v", pol.Conditions)
	}
	if _, out := call(t, h, "GET", "/s3/params?filename=a.html&type=text/html", "", nil); errCode(out) != "unsupported_media_type" {
		t.Errorf("type not allowed: %v", out)
	}
}
