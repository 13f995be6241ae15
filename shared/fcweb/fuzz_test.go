package fcweb

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aliyun/fc-runtime-go-sdk/events"
	"github.com/aliyun/fc-runtime-go-sdk/fccontext"

	"github.com/fc-oss-upload/fc-oss-upload/internal/localidp"
	"github.com/fc-oss-upload/fc-oss-upload/shared/api"
	"github.com/fc-oss-upload/fc-oss-upload/shared/upload"
	"github.com/fc-oss-upload/fc-oss-upload/shared/userauth"
)

const fuzzSecret = "fuzz-role-secret-never-shown"

// fuzzHandler is the edge as the functions build it (access log, body limit, CORS, routing) with a
// route that does what the signing handlers do with client input: read the intent, check it, pick
// the content type, the per-user prefix from a verified token and the key. It reports broken
// invariants on t.
//
// A request with an X-Fuzz-User header gets a valid token for that user (minted here, as the
// fuzzer cannot sign): the prefix must then be exactly the user's segment, whatever X-User-Id or
// other headers say. Without it, any Authorization the fuzzer sends must be refused; a request
// with no Authorization header at all is served as in shared-prefix mode.
func fuzzHandler(t *testing.T) http.Handler {
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	jwks, _ := json.Marshal(map[string]any{"keys": []map[string]string{{"kty": "OKP", "crv": "Ed25519", "kid": "f", "x": base64.RawURLEncoding.EncodeToString(edKey.Public().(ed25519.PublicKey))}}})
	now := time.Unix(1767312000, 0)
	auth, err := userauth.New(userauth.Options{JWKS: jwks, Issuer: "https://idp.example", Audience: "fuzz", Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	rules := upload.Rules{Bucket: "b", Dir: "uploads/", MaxSize: 1 << 20, DefaultContentType: "application/octet-stream",
		AllowedTypes: []string{"image/png", "text/plain"}, Expires: time.Minute}
	sign := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user := r.Header.Get("X-Fuzz-User")
		if user != "" {
			tok, err := localidp.SignWith(edKey, map[string]any{"alg": "EdDSA", "kid": "f"},
				map[string]any{"iss": "https://idp.example", "aud": "fuzz", "sub": user, "exp": now.Unix() + 60})
			if err != nil {
				t.Fatal(err)
			}
			r.Header.Set("Authorization", "Bearer "+tok)
		}
		// Requests without Authorization run in shared-prefix mode, so the fuzzer's intents still
		// reach the key checks below.
		var signer *userauth.Verifier
		if len(r.Header.Values("Authorization")) > 0 {
			signer = auth
		}
		in, err := ReadIntent(r)
		if err == nil {
			err = rules.CheckIntent(in)
		}
		var ct, dir, key, seg string
		if err == nil {
			ct, err = rules.ContentType(in)
		}
		if err == nil {
			seg, err = User(r, signer)
			dir = rules.Prefix(seg)
		}
		if signer != nil && user == "" && err == nil {
			t.Errorf("a request without a minted token got prefix %q", dir)
		}
		if user != "" && utf8.ValidString(user) && err == nil && dir != rules.Dir+userauth.Segment(user)+"/" {
			t.Errorf("user %q got prefix %q, not their segment", user, dir)
		}
		if err != nil {
			WriteError(w, r, err)
			return
		}
		key = upload.ObjectKey(dir, in, [16]byte{1}, time.Unix(1767312000, 0))
		if !strings.HasPrefix(dir, rules.Dir) || !strings.HasPrefix(key, dir) || len(key) > upload.MaxKeyBytes ||
			strings.Contains(key, "//") || strings.Contains(key, `\`) || strings.Contains(strings.TrimPrefix(key, dir), "..") {
			t.Errorf("key %q (dir %q) escapes or is malformed", key, dir)
		}
		if signer == nil && dir != rules.Dir {
			t.Errorf("a request without a token got prefix %q", dir)
		}
		if signer != nil && strings.Count(strings.TrimPrefix(dir, rules.Dir), "/") != 1 {
			t.Errorf("user prefix %q is not one segment", dir)
		}
		WriteJSON(w, http.StatusOK, map[string]string{"key": key, "contentType": ct})
	})
	return New(Options{
		Function:     "fuzz",
		Logger:       slog.New(slog.DiscardHandler),
		MaxBodyBytes: 4 << 10,
		CORSOrigins:  []string{"https://app.example.com"},
		Routes: []Route{
			{Path: "/", Methods: []string{http.MethodGet}, Handler: Page([]byte("<!DOCTYPE html><p>page</p>"))},
			{Path: "/sign", Methods: []string{http.MethodGet, http.MethodPost}, Handler: sign},
			{Path: "/panic", Methods: []string{http.MethodGet, http.MethodPost}, Handler: http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
				panic("boom: " + fuzzSecret)
			})},
		},
	})
}

var knownCodes = map[upload.Code]bool{
	upload.CodeInvalidArgument: true, upload.CodeSizeRequired: true, upload.CodeUnauthenticated: true, upload.CodePermissionDenied: true,
	upload.CodeNotFound: true, upload.CodeMethodNotAllowed: true, upload.CodePayloadTooLarge: true,
	upload.CodeUnsupportedMediaType: true, upload.CodeUnavailable: true, upload.CodeInternal: true,
}

// FuzzEvent decodes arbitrary bytes as an HTTP trigger event, as the FC runtime does, and runs them
// through newRequest and through Adapter.Invoke on the edge: never a panic or a function error; always
// a status 100-599; every error a JSON body with a known code whose status is that code's; never the
// role's secret or a panic's text in a response.
func FuzzEvent(f *testing.F) {
	// The handlers' own fixtures are seeds too.
	fixtures, _ := filepath.Glob(filepath.Join("..", "..", "functions", "*", "testdata", "*.json"))
	for _, p := range fixtures {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"rawPath":"/sign","queryParameters":{"filename":"../../etc/passwd"},"requestContext":{"http":{"method":"GET"}}}`))
	f.Add([]byte(`{"rawPath":"/sign","headers":{"X-User-Id":"../../admin"},"requestContext":{"http":{"method":"get"}}}`))
	f.Add([]byte(`{"rawPath":"/sign","headers":{"X-Fuzz-User":"张三","X-User-Id":"../../admin"},"requestContext":{"http":{"method":"get"}}}`))
	f.Add([]byte(`{"rawPath":"/sign","headers":{"Authorization":"Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9."},"requestContext":{"http":{"method":"get"}}}`))
	f.Add([]byte(`{"rawPath":"/sign","body":"{\"filename\":\"a\\\"],[\\\"starts-with\\\",\\\"$key\\\",\\\".png\",\"size\":\"12\"}","headers":{"content-type":"application/json"},"requestContext":{"http":{"method":"POST"}}}`))
	f.Add([]byte(`{"rawPath":"/sign","body":"JSUl","isBase64Encoded":true,"headers":{"Content-Type":"application/x-www-form-urlencoded"},"requestContext":{"http":{"method":"POST"}}}`))
	f.Add([]byte(`{"rawPath":"/panic","requestContext":{"http":{"method":"GET"}}}`))
	f.Add([]byte(`{"rawPath":"::","requestContext":{"http":{"method":"GET"}}}`))
	f.Add([]byte(`{"rawPath":"/sign?x=1#f","requestContext":{"http":{"method":"GET /x HTTP/1.1"}}}`))
	f.Add([]byte(`{"rawPath":"//evil.example/sign","headers":{"Origin":"https://evil.example","Host":"a\r\nb"},"requestContext":{"http":{"method":"OPTIONS"}}}`))
	f.Add([]byte(`{"rawPath":"/sign","queryParameters":{"filename":"a\u0000.png","size":"-1","contentType":"image/png\r\nX: y"},"requestContext":{"http":{"method":"GET"}}}`))
	f.Add([]byte(`{"rawPath":"/%2e%2e/sign","requestContext":{"http":{"method":"HEAD","path":"/x"}}}`))
	f.Add([]byte(`{"requestContext":{"http":{}}}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var ev events.HTTPTriggerEvent
		if err := json.Unmarshal(data, &ev); err != nil {
			return // the FC runtime does not invoke the handler with an event it cannot decode
		}
		r, err := newRequest(context.Background(), ev)
		if err != nil {
			if upload.AsError(err).Code != upload.CodeInvalidArgument {
				t.Fatalf("Request: %v", err)
			}
		} else {
			if r.Method == "" || r.Method != strings.ToUpper(r.Method) || !strings.HasPrefix(r.URL.Path, "/") || r.Body == nil {
				t.Fatalf("Request made %q %q", r.Method, r.URL)
			}
		}

		checkInvoke(t, ev)
	})
}

// checkInvoke runs ev through Adapter.Invoke and checks what any response must be.
func checkInvoke(t *testing.T, ev events.HTTPTriggerEvent) {
	fc := &fccontext.FcContext{RequestID: "fuzz-request"}
	fc.Credentials.AccessKeyId, fc.Credentials.AccessKeySecret, fc.Credentials.SecurityToken = "STS.fuzz", fuzzSecret, fuzzSecret+"-token"
	ctx, cancel := context.WithTimeout(fccontext.NewContext(context.Background(), fc), 5*time.Second)
	defer cancel()
	resp, err := Adapter{Handler: fuzzHandler(t)}.Invoke(ctx, ev)
	if err != nil || resp == nil {
		t.Fatalf("Invoke returned %v, %v", resp, err)
	}
	if resp.StatusCode < 100 || resp.StatusCode > 599 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		if body, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
			t.Fatalf("body marked base64 is not: %v", err)
		}
	}
	if bytes.Contains(body, []byte(fuzzSecret)) {
		t.Fatalf("response holds the role secret or a panic's text: %s", body)
	}
	if resp.StatusCode < 400 {
		return
	}
	if mt, _, _ := mime.ParseMediaType(resp.Headers["Content-Type"]); mt != "application/json" {
		t.Fatalf("error %d with Content-Type %q", resp.StatusCode, resp.Headers["Content-Type"])
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var eb api.Error
	if err := dec.Decode(&eb); err != nil {
		t.Fatalf("error %d body is not the error JSON (%v): %s", resp.StatusCode, err, body)
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Fatalf("error body has trailing data: %s", body)
	}
	if !knownCodes[upload.Code(eb.Error.Code)] || Status(upload.Code(eb.Error.Code)) != resp.StatusCode || eb.Error.Message == "" {
		t.Fatalf("error %d with code %q: %s", resp.StatusCode, eb.Error.Code, body)
	}
	if upload.Code(eb.Error.Code) == upload.CodeUnauthenticated && !strings.HasPrefix(resp.Headers["Www-Authenticate"], "Bearer ") {
		t.Fatalf("401 without a Bearer challenge: %v", resp.Headers)
	}
}

// FuzzEventFields builds the event from separate fields, so the fuzzer spends its time on values
// rather than on JSON syntax: method, path, one query parameter, one header, the body.
func FuzzEventFields(f *testing.F) {
	f.Add("GET", "/sign", "filename", "中文 a+b~(1).png", "X-User-Id", "alice", "", false)
	f.Add("GET", "/sign", "filename", "../../etc/passwd", "X-User-Id", "../../admin", "", false)
	f.Add("GET", "/sign", "filename", "a.png", "X-Fuzz-User", "../../admin", "", false)
	f.Add("GET", "/sign", "filename", "a.png", "X-Fuzz-User", "a+b@x.com", "", false)
	f.Add("POST", "/sign", "", "", "Content-Type", "application/json", `{"filename":"a\"],[\"starts-with\",\"$key\",\".png","size":1}`, false)
	f.Add("POST", "/sign", "size", "99999999999999999999", "Content-Type", "application/x-www-form-urlencoded", "filename=%ZZ", false)
	f.Add("POST", "/sign", "", "", "Content-Type", "application/json", "JSUl", true)
	f.Add("OPTIONS", "/sign", "", "", "Origin", "https://evil.example", "", false)
	f.Add("GET", "/panic", "", "", "Origin", "https://app.example.com", "", false)
	f.Add("PUT", "/sign", "contentType", "text/html", "Host", "evil.example", "", false)
	f.Add("GET /x HTTP/1.1", "::", "a", "b", "X-User-Id", "\x00", "\x00", false)
	f.Add("get", "/sign?filename=x.png", "size", "-2", "x-user-id", "...", "", false)
	f.Fuzz(func(t *testing.T, method, path, qk, qv, hk, hv, body string, b64 bool) {
		ev := events.HTTPTriggerEvent{RawPath: &path, Body: &body, IsBase64Encoded: &b64,
			Headers: &map[string]string{hk: hv}, QueryParameters: &map[string]string{qk: qv}}
		ev.TriggerContext.Http.Method = &method
		if r, err := newRequest(context.Background(), ev); err == nil && !strings.HasPrefix(r.URL.Path, "/") {
			t.Fatalf("Request made path %q", r.URL.Path)
		}
		checkInvoke(t, ev)
	})
}
