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

	"github.com/fc-oss-upload/fc-oss-upload/shared/api"
	"github.com/fc-oss-upload/fc-oss-upload/shared/config"
	"github.com/fc-oss-upload/fc-oss-upload/shared/fcweb"
	"github.com/fc-oss-upload/fc-oss-upload/shared/ossauth"
	"github.com/fc-oss-upload/fc-oss-upload/shared/upload"
)

// fakeStore records the multipart calls and answers with parts set by the test.
type fakeStore struct {
	mu          sync.Mutex
	parts       []api.Part
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
func (f *fakeStore) ListParts(context.Context, ossauth.Credentials, string, string) ([]api.Part, error) {
	return f.parts, f.record("list")
}
func (f *fakeStore) Complete(_ context.Context, _ ossauth.Credentials, _, _ string, parts []api.Part, fin completion) ([]byte, error) {
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
	h, err := newHandler(cfg, deps{creds: staticCreds{c: testCreds}, store: store, now: func() time.Time { return testNow }})
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

// issuedKey is a multipart key for a file of 2 parts of PartSize and 7 bytes.
const issuedKey = "uploads/2026/11/23/00112233445566778899aabbccddeeff-10485767.mp4"

func TestCompanionCreate(t *testing.T) {
	t.Parallel()
	store := &fakeStore{}
	h := companionHandler(t, store, nil)
	// Uppy 6 sends metadata values as they are, Uppy 5 as strings.
	for _, size := range []string{`10485767`, `"10485767"`} {
		rec, out := call(t, h, "POST", "/s3/multipart", `{"filename":"clip.mp4","type":"","metadata":{"name":"clip.mp4","size":`+size+`}}`, map[string]string{"Content-Type": "application/json"})
		key, _ := out["key"].(string)
		if rec.Code != 200 || !strings.HasPrefix(key, "uploads/2026/11/23/") || !strings.HasSuffix(key, "-10485767.mp4") ||
			out["uploadId"] != "0123456789ABCDEF0123456789ABCDEF" || out["size"] != float64(10485767) || out["parts"] != float64(3) ||
			out["partSize"] != float64(PartSize) || out["maxParts"] != float64(3) {
			t.Fatalf("metadata.size %s: %d %v", size, rec.Code, out)
		}
		if got, err := upload.CheckIssuedKey("uploads/", key); err != nil || got != 10485767 {
			t.Errorf("key %v carries size %d (%v)", key, got, err)
		}
	}
	if store.ct != "video/mp4" || !store.forbid || store.disposition != "" {
		t.Errorf("initiated with type %q forbid %v disposition %q", store.ct, store.forbid, store.disposition)
	}
	// Active content is stored as an attachment, as single uploads are (upload.Rules.Disposition).
	if rec, out := call(t, h, "POST", "/s3/multipart", `{"filename":"doc.pdf","size":1}`, nil); rec.Code != 200 || store.ct != "application/pdf" || store.disposition != "attachment" || out["parts"] != float64(1) {
		t.Errorf("pdf: %d type %q disposition %q %v", rec.Code, store.ct, store.disposition, out)
	}
	store.calls = nil
	for _, c := range []struct{ body, code string }{
		{`{"filename":"a.png","type":"image/png","metadata":{"name":"a.png"}}`, "size_required"},
		{`{"filename":"a.png","metadata":{"size":null}}`, "size_required"},
		{`{"filename":"a.png","metadata":"size=1"}`, "size_required"},
		{`{"filename":"a.png","metadata":{"size":0}}`, "invalid_argument"}, // an empty file is one request
		{`{"filename":"a.html","type":"text/html","size":1}`, "unsupported_media_type"},
		{`{"filename":"a.png","size":12582913}`, "payload_too_large"},
		{`{"filename":"a.png","metadata":{"size":"12582913"}}`, "payload_too_large"},
		{`{"filename":"a.png","size":-2}`, "invalid_argument"},
		{`{"filename":"a.png","metadata":{"size":-1}}`, "invalid_argument"},
		{`{"filename":"a.png","metadata":{"size":1.5}}`, "invalid_argument"},
		{`{"filename":"a.png","metadata":{"size":"1e3"}}`, "invalid_argument"},
		{`{"filename":"a.png","metadata":{"size":"+3"}}`, "invalid_argument"},
		{`{"filename":"a.png","metadata":{"size":""}}`, "invalid_argument"},
		{`{"filename":"a.png","metadata":{"size":true}}`, "invalid_argument"},
		{`{"filename":"a.png","size":5,"metadata":{"size":6}}`, "invalid_argument"},
		{`not json`, "invalid_argument"},
		{``, "invalid_argument"},
	} {
		if rec, out := call(t, h, "POST", "/s3/multipart", c.body, nil); errCode(out) != c.code || rec.Code != fcweb.Status(upload.Code(c.code)) {
			t.Errorf("%s: %d %v, want %s", c.body, rec.Code, out, c.code)
		}
	}
	if len(store.calls) != 0 {
		t.Errorf("refused initiations reached OSS: %v", store.calls)
	}
	// The refusal says how to add the size in Uppy.
	if _, out := call(t, h, "POST", "/s3/multipart", `{"filename":"a.png"}`, nil); !strings.Contains(fmt.Sprint(out), "uppy.setFileMeta(file.id, { size: file.size })") {
		t.Errorf("size_required message: %v", out)
	}
}

func TestCompanionSignPart(t *testing.T) {
	t.Parallel()
	h := companionHandler(t, &fakeStore{}, nil)
	partPath := func(key string, n int) string {
		return fmt.Sprintf("/s3/multipart/0123456789ABCDEF0123456789ABCDEF/%d?key=%s", n, url.QueryEscape(key))
	}
	// Every part URL signs the part's exact length, computed from the size in the key: Uppy sends
	// no size.
	for n, want := range map[int]int64{1: PartSize, 2: PartSize, 3: 7} {
		rec, out := call(t, h, "GET", partPath(issuedKey, n), "", nil)
		if rec.Code != 200 || out["expires"] != float64(600) || out["contentLength"] != float64(want) {
			t.Fatalf("part %d: %d %v", n, rec.Code, out)
		}
		u, _ := url.Parse(out["url"].(string))
		q := u.Query()
		if u.Path != "/"+issuedKey || q.Get("partNumber") != fmt.Sprint(n) || q.Get("uploadId") != "0123456789ABCDEF0123456789ABCDEF" ||
			q.Get("x-oss-additional-headers") != "content-length" || q.Get("x-oss-expires") != "600" {
			t.Errorf("URL %s", u)
		}
	}
	// A size that matches is accepted (the presigned page's older form).
	if rec, out := call(t, h, "GET", partPath(issuedKey, 3)+"&size=7", "", nil); rec.Code != 200 || out["contentLength"] != float64(7) {
		t.Errorf("matching size: %d %v", rec.Code, out)
	}
	emptyKey := "uploads/2026/11/23/00112233445566778899aabbccddeeff-0.mp4"
	if rec, out := call(t, h, "GET", partPath(emptyKey, 1), "", nil); rec.Code != 200 || out["contentLength"] != float64(0) {
		t.Errorf("empty file: %d %v", rec.Code, out)
	}
	for _, c := range []struct{ target, code string }{
		{partPath(issuedKey, 4), "invalid_argument"}, // 10485767 bytes: 3 parts
		{partPath(issuedKey, 0), "invalid_argument"},
		{partPath(emptyKey, 2), "invalid_argument"},
		{partPath(issuedKey, 3) + "&size=8", "invalid_argument"},
		{partPath(issuedKey, 1) + fmt.Sprintf("&size=%d", PartSize+1), "invalid_argument"},
		{partPath(issuedKey, 1) + "&size=1000", "invalid_argument"},
		// A key without a size (a single upload's, or a multipart upload started before sizes were pinned).
		{partPath("uploads/2026/11/23/00112233445566778899aabbccddeeff.mp4", 1), "invalid_argument"},
		// A key whose size is over today's limit.
		{partPath("uploads/2026/11/23/00112233445566778899aabbccddeeff-12582913.mp4", 1), "payload_too_large"},
		{"/s3/multipart/0123456789ABCDEF0123456789ABCDEF/1", "invalid_argument"},
		{partPath(issuedKey, 1) + "&key=x", "invalid_argument"},
		{partPath("private/2026/11/23/00112233445566778899aabbccddeeff-10485767.mp4", 1), "permission_denied"},
		{partPath("uploads/secret.txt", 1), "invalid_argument"},
		{"/s3/multipart/a%20b/1?key=" + url.QueryEscape(issuedKey), "invalid_argument"},
	} {
		if rec, out := call(t, h, "GET", c.target, "", nil); errCode(out) != c.code {
			t.Errorf("%s: %d %v, want %s", c.target, rec.Code, out, c.code)
		}
	}
}

func parts(sizes ...int64) []api.Part {
	out := make([]api.Part, len(sizes))
	for i, s := range sizes {
		out[i] = api.Part{PartNumber: i + 1, Size: s, ETag: fmt.Sprintf(`"%032X"`, i+1)}
	}
	return out
}

func TestCheckParts(t *testing.T) {
	t.Parallel()
	const size = 2*PartSize + 1
	ok := parts(PartSize, PartSize, 1)
	if total, err, _ := checkParts(ok, ok, size); err != nil || total != size {
		t.Fatalf("valid parts: %d %v", total, err)
	}
	if total, err, _ := checkParts(parts(PartSize), parts(PartSize), PartSize); err != nil || total != PartSize {
		t.Fatalf("one full part: %d %v", total, err)
	}
	if total, err, _ := checkParts(parts(0), parts(0), 0); err != nil || total != 0 {
		t.Fatalf("empty file: %d %v", total, err)
	}
	unquoted := parts(PartSize, PartSize, 1)
	for i := range unquoted {
		unquoted[i].ETag = strings.ToLower(strings.Trim(unquoted[i].ETag, `"`))
	}
	if _, err, _ := checkParts(unquoted, ok, size); err != nil {
		t.Errorf("ETags without quotes (Uppy 6 strips them): %v", err)
	}
	badETag := parts(PartSize, PartSize, 1)
	badETag[1].ETag = "x"
	withoutSecond := []api.Part{ok[0], ok[2]}
	for _, c := range []struct {
		name         string
		listed, held []api.Part
		size         int64
		code         upload.Code
		final        bool
	}{
		{"one left out", ok[:2], ok, size, upload.CodeInvalidArgument, true},
		{"one not uploaded", ok, ok[:2], size, upload.CodeInvalidArgument, true},
		{"wrong ETag", badETag, ok, size, upload.CodeInvalidArgument, true},
		{"short part before the last", parts(PartSize, PartSize-1, 2), parts(PartSize, PartSize-1, 2), size, upload.CodeInvalidArgument, true},
		{"last part longer", parts(PartSize, PartSize, 2), parts(PartSize, PartSize, 2), size, upload.CodeInvalidArgument, true},
		{"last part shorter", parts(PartSize, PartSize, 1), parts(PartSize, PartSize, 1), size + 1, upload.CodeInvalidArgument, true},
		{"a part past the end", parts(PartSize, PartSize, 1), parts(PartSize, PartSize, 1), 2 * PartSize, upload.CodePayloadTooLarge, true},
		{"the last part missing", ok[:2], ok[:2], size, upload.CodeInvalidArgument, false},
		{"a middle part missing", withoutSecond, withoutSecond, size, upload.CodeInvalidArgument, false},
	} {
		_, err, final := checkParts(c.listed, c.held, c.size)
		if err == nil || upload.AsError(err).Code != c.code || final != c.final {
			t.Errorf("%s: %v (final %v), want %s (final %v)", c.name, err, final, c.code, c.final)
		}
	}
}

func TestCompanionComplete(t *testing.T) {
	t.Parallel()
	path := "/s3/multipart/0123456789ABCDEF0123456789ABCDEF/complete?key=" + url.QueryEscape(issuedKey)
	body := func(ps []api.Part) string {
		b, _ := json.Marshal(map[string]any{"parts": ps})
		return string(b)
	}
	held := parts(PartSize, PartSize, 7)

	store := &fakeStore{parts: held}
	h := companionHandler(t, store, nil)
	// Listed in any order (Uppy does not promise one): sorted before the comparison.
	rev := []api.Part{held[2], held[0], held[1]}
	rec, out := call(t, h, "POST", path, body(rev), nil)
	if rec.Code != 200 || out["key"] != issuedKey || out["location"] != "https://examplebucket.oss-cn-hangzhou.aliyuncs.com/"+issuedKey || out["size"] != float64(2*PartSize+7) {
		t.Fatalf("%d %v", rec.Code, out)
	}
	if strings.Join(store.calls, ",") != "list,complete 3 forbid=true callback=false" {
		t.Errorf("calls %v", store.calls)
	}

	// Refused for good (a part of another length than the key's size gives it): aborted, never
	// completed.
	store = &fakeStore{parts: parts(PartSize, PartSize, 8)}
	h = companionHandler(t, store, nil)
	if _, out := call(t, h, "POST", path, body(store.parts), nil); errCode(out) != "invalid_argument" {
		t.Fatalf("wrong length: %v", out)
	}
	if strings.Join(store.calls, ",") != "list,abort" {
		t.Errorf("calls %v", store.calls)
	}
	// Refused for now (the last part not uploaded yet): the upload stays for the client to finish.
	store = &fakeStore{parts: held[:2]}
	h = companionHandler(t, store, nil)
	if _, out := call(t, h, "POST", path, body(held[:2]), nil); errCode(out) != "invalid_argument" || !strings.Contains(fmt.Sprint(out), "missing: 3") {
		t.Fatalf("missing part: %v", out)
	}
	if strings.Join(store.calls, ",") != "list" {
		t.Errorf("calls %v", store.calls)
	}
	// A key whose size is over the limit is refused before OSS is asked.
	store = &fakeStore{parts: held}
	h = companionHandler(t, store, map[string]string{"OSS_MAX_SIZE_BYTES": fmt.Sprint(2*PartSize + 6)})
	if _, out := call(t, h, "POST", path, body(held), nil); errCode(out) != "payload_too_large" || len(store.calls) != 0 {
		t.Fatalf("over the limit: %v %v", out, store.calls)
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
	var listed []api.Part
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
