package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/fc-oss-upload/fc-oss-upload/shared/config"
	"github.com/fc-oss-upload/fc-oss-upload/shared/fcweb/fcwebtest"
	"github.com/fc-oss-upload/fc-oss-upload/shared/osscallback"
)

const (
	keyURL        = "https://keys.test/callback_pub_key_v1.pem"
	webhookURL    = "https://hooks.test/uploads"
	webhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
)

var now = time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func respond(status int, body string) *http.Response {
	return &http.Response{StatusCode: status, Body: io.NopCloser(strings.NewReader(body)), Header: http.Header{}}
}

// fixture is one callback function with an OSS key pair, in-memory key and webhook servers, and
// its log.
type fixture struct {
	t        *testing.T
	priv     *rsa.PrivateKey
	h        http.Handler
	log      bytes.Buffer
	mu       sync.Mutex
	keyGets  int
	webhooks []*http.Request
	bodies   [][]byte
	hook     func(*http.Request) (*http.Response, error) // the webhook receiver's behaviour
	objects  *fakeObjects                                // what OSS has stored (HeadObject)
}

// fakeObjects is OSS's HeadObject over a map of key to object; err, when set, is every answer.
type fakeObjects struct {
	mu    sync.Mutex
	byKey map[string]ObjectInfo
	heads []string
	err   error
}

func (o *fakeObjects) Head(_ context.Context, key string) (ObjectInfo, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.heads = append(o.heads, key)
	if o.err != nil {
		return ObjectInfo{}, o.err
	}
	info, ok := o.byKey[key]
	if !ok {
		return ObjectInfo{}, fmt.Errorf("%w (NoSuchKey)", ErrNoObject)
	}
	return info, nil
}

var testKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		panic(err)
	}
	return k
})

func newFixture(t *testing.T, env map[string]string) *fixture {
	t.Helper()
	f := &fixture{t: t, priv: testKey(), hook: func(*http.Request) (*http.Response, error) { return respond(204, ""), nil },
		objects: &fakeObjects{byKey: map[string]ObjectInfo{}}}
	// The objects the tests' callbacks name, as OSS stores them.
	for _, up := range []map[string]string{pngUpload(), aliceUpload()} {
		size, _ := strconv.ParseInt(up["size"], 10, 64)
		f.objects.byKey[up["object"]] = ObjectInfo{Size: size, ETag: up["etag"], ContentType: up["mimeType"]}
	}
	der, _ := x509.MarshalPKIXPublicKey(&f.priv.PublicKey)
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	vals := map[string]string{"OSS_BUCKET": "uploads-bucket", "OSS_REGION": "cn-hangzhou",
		"OSS_CALLBACK_TRUSTED_KEY_URLS": "https://keys.test/", "WEBHOOK_URL": webhookURL, "WEBHOOK_SECRET": webhookSecret}
	for k, v := range env {
		vals[k] = v
	}
	cfg, err := config.Load(config.FunctionCallback, func(k string) string { return vals[k] })
	if err != nil {
		t.Fatal(err)
	}
	keyClient := &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
		f.mu.Lock()
		f.keyGets++
		f.mu.Unlock()
		if r.URL.String() == "https://keys.test/down.pem" {
			return respond(502, ""), nil
		}
		if r.URL.String() != keyURL {
			return respond(404, ""), nil
		}
		return respond(200, string(pemKey)), nil
	})}
	hookClient := &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.webhooks = append(f.webhooks, r)
		f.bodies = append(f.bodies, b)
		f.mu.Unlock()
		return f.hook(r)
	})}
	f.h, err = newHandler(cfg, nil, options{now: func() time.Time { return now }, keyClient: keyClient, webhookClient: hookClient,
		logger: slog.New(slog.NewJSONHandler(&f.log, nil)), objects: f.objects})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// body substitutes osscallback.Body as OSS does for the form body type.
func body(vals map[string]string) string {
	out := osscallback.Body
	for k, v := range vals {
		out = strings.ReplaceAll(out, "${"+k+"}", url.QueryEscape(v))
	}
	for _, k := range []string{"imageInfo.height", "imageInfo.width", "imageInfo.format", "x:user", "x:filename"} {
		out = strings.ReplaceAll(out, "${"+k+"}", "")
	}
	return out
}

// aliceUpload is a stored object of user alice (per-user mode).
func aliceUpload() map[string]string {
	up := pngUpload()
	up["object"], up["x:user"] = "uploads/alice/2026/ab.png", "alice"
	return up
}

func pngUpload() map[string]string {
	return map[string]string{"bucket": "uploads-bucket", "object": "uploads/2026/11/29/ab.png", "etag": "9B2CF535F27731C974343645A3985328",
		"size": "52133", "mimeType": "image/png", "imageInfo.width": "640", "imageInfo.height": "480", "imageInfo.format": "png",
		"x:filename": "holiday 中.png"}
}

// sign returns OSS's authorization for path+query+body, with priv.
func sign(t *testing.T, priv *rsa.PrivateKey, path, query, b string) string {
	t.Helper()
	p, _ := url.PathUnescape(path)
	s := p
	if query != "" {
		s += "?" + query
	}
	sum := md5.Sum([]byte(s + "\n" + b))
	sig, err := rsa.SignPKCS1v15(nil, priv, crypto.MD5, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(sig)
}

func (f *fixture) call(auth, pubKeyURL, b string) *httptest.ResponseRecorder {
	return f.callLength(auth, pubKeyURL, b, int64(len(b)))
}

// callLength sends the call with a declared Content-Length (-1: unknown, as a chunked body).
func (f *fixture) callLength(auth, pubKeyURL, b string, length int64) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, APIPath, strings.NewReader(b))
	req.ContentLength = length
	req.Header.Set("Content-Type", osscallback.BodyType)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	req.Header.Set("x-oss-pub-key-url", base64.StdEncoding.EncodeToString([]byte(pubKeyURL)))
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	return rec
}

func (f *fixture) signedCall(b string) *httptest.ResponseRecorder {
	return f.call(sign(f.t, f.priv, APIPath, "", b), keyURL, b)
}

// lines returns the log lines with msg.
func (f *fixture) lines(msg string) []map[string]any {
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(f.log.String()), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

func TestValidCallback(t *testing.T) {
	f := newFixture(t, nil)
	rec := f.signedCall(body(pngUpload()))
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var ans struct {
		Key, ETag, ContentType string
		Size                   int64
		Image                  *struct {
			Width, Height int
			Format        string
		}
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &ans); err != nil {
		t.Fatal(err)
	}
	if ans.Key != "uploads/2026/11/29/ab.png" || ans.Size != 52133 || ans.ETag != "9B2CF535F27731C974343645A3985328" || ans.ContentType != "image/png" ||
		ans.Image == nil || ans.Image.Width != 640 || ans.Image.Height != 480 || ans.Image.Format != "png" {
		t.Errorf("answer %s", rec.Body)
	}

	done := f.lines("upload completed")
	if len(done) != 1 {
		t.Fatalf("%d upload completed lines, want 1:\n%s", len(done), f.log.String())
	}
	l := done[0]
	if l["key"] != ans.Key || l["size"] != float64(52133) || l["webhook"] != "delivered" || l["filename"] != "holiday 中.png" {
		t.Errorf("log line %v", l)
	}
	if img, _ := l["image"].(map[string]any); img["width"] != float64(640) {
		t.Errorf("log line image %v", l["image"])
	}
	if strings.Contains(f.log.String(), webhookSecret) || strings.Contains(f.log.String(), sign(t, f.priv, APIPath, "", body(pngUpload()))) {
		t.Error("the log holds the webhook secret or the callback signature")
	}

	if len(f.webhooks) != 1 {
		t.Fatalf("%d webhooks, want 1", len(f.webhooks))
	}
	wh, _ := standardwebhooks.NewWebhook(webhookSecret)
	if err := wh.VerifyIgnoringTimestamp(f.bodies[0], f.webhooks[0].Header); err != nil {
		t.Errorf("the webhook does not verify with the Standard Webhooks library: %v", err)
	}
	if got := f.webhooks[0].Header.Get("webhook-timestamp"); got != strconv.FormatInt(now.Unix(), 10) {
		t.Errorf("webhook-timestamp %s, want the injected clock's", got)
	}
	var ev osscallback.Event
	if err := json.Unmarshal(f.bodies[0], &ev); err != nil || ev.Type != "upload.completed" || ev.Data.Key != ans.Key || ev.Data.Image == nil || ev.Data.Filename != "holiday 中.png" {
		t.Errorf("event %s (%v)", f.bodies[0], err)
	}
	if f.webhooks[0].Header.Get("webhook-id") != ev.Data.ID() {
		t.Errorf("webhook-id %s", f.webhooks[0].Header.Get("webhook-id"))
	}

	// The key is fetched once and cached.
	f.signedCall(body(pngUpload()))
	if f.keyGets != 1 {
		t.Errorf("%d key fetches for two callbacks, want 1", f.keyGets)
	}
}

func TestRefusedCallbacks(t *testing.T) {
	other, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	good := body(pngUpload())
	outside := pngUpload()
	outside["object"] = "elsewhere/ab.png"
	otherBucket := pngUpload()
	otherBucket["bucket"] = "someone-elses"
	changed := pngUpload()
	changed["size"] = "1"
	cases := []struct {
		name   string
		call   func(f *fixture) *httptest.ResponseRecorder
		status int
	}{
		{"forged signature", func(f *fixture) *httptest.ResponseRecorder {
			return f.call(sign(t, other, APIPath, "", good), keyURL, good)
		}, 401},
		{"no signature", func(f *fixture) *httptest.ResponseRecorder { return f.call("", keyURL, good) }, 401},
		{"key URL outside the trusted list", func(f *fixture) *httptest.ResponseRecorder {
			return f.call(sign(t, f.priv, APIPath, "", good), "https://evil.test/callback_pub_key_v1.pem", good)
		}, 403},
		{"trusted key URL without a key", func(f *fixture) *httptest.ResponseRecorder {
			return f.call(sign(t, f.priv, APIPath, "", good), "https://keys.test/made-up.pem", good)
		}, 403},
		{"key server down (OSS gets no 200: CallbackFailed)", func(f *fixture) *httptest.ResponseRecorder {
			return f.call(sign(t, f.priv, APIPath, "", good), "https://keys.test/down.pem", good)
		}, 503},
		{"replayed with a changed body", func(f *fixture) *httptest.ResponseRecorder {
			return f.call(sign(t, f.priv, APIPath, "", good), keyURL, body(changed))
		}, 401},
		{"key outside the prefix", func(f *fixture) *httptest.ResponseRecorder { return f.signedCall(body(outside)) }, 403},
		{"another bucket", func(f *fixture) *httptest.ResponseRecorder { return f.signedCall(body(otherBucket)) }, 403},
		{"huge body", func(f *fixture) *httptest.ResponseRecorder {
			huge := good + "&pad=" + strings.Repeat("a", MaxBodyBytes)
			return f.signedCall(huge)
		}, 413},
		{"huge chunked body", func(f *fixture) *httptest.ResponseRecorder {
			huge := good + "&pad=" + strings.Repeat("a", MaxBodyBytes)
			return f.callLength(sign(t, f.priv, APIPath, "", huge), keyURL, huge, -1)
		}, 413},
		{"body not in the asked format", func(f *fixture) *httptest.ResponseRecorder { return f.signedCall(`{"bucket":"uploads-bucket"}`) }, 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, nil)
			rec := c.call(f)
			if rec.Code != c.status {
				t.Errorf("status %d, want %d: %s", rec.Code, c.status, rec.Body)
			}
			var e struct {
				Error struct{ Code, Message string }
			}
			if json.Unmarshal(rec.Body.Bytes(), &e) != nil || e.Error.Code == "" {
				t.Errorf("not a JSON error: %s", rec.Body)
			}
			// A declared oversize body is refused by the edge before the handler: its record is
			// the access line.
			refusals := len(f.lines("callback refused"))
			if c.name == "huge body" {
				if a := f.lines("access"); len(a) == 1 && a[0]["status"] == float64(413) {
					refusals++
				}
			}
			if refusals != 1 || len(f.lines("upload completed")) != 0 || len(f.webhooks) != 0 {
				t.Errorf("want one refusal line, no event and no webhook; log:\n%s\nwebhooks %d", f.log.String(), len(f.webhooks))
			}
			if c.name == "key URL outside the trusted list" && f.keyGets != 0 {
				t.Errorf("an untrusted key URL was fetched")
			}
		})
	}
}

func TestPerUserKeys(t *testing.T) {
	_, env := fcwebtest.Issuer(t, time.Date(2026, 11, 23, 8, 30, 0, 0, time.UTC)) // per-user mode on; the callback never sees a token
	f := newFixture(t, env)
	up := aliceUpload()
	if rec := f.signedCall(body(up)); rec.Code != 200 {
		t.Fatalf("alice's upload: %d %s", rec.Code, rec.Body)
	}
	if l := f.lines("upload completed"); len(l) != 1 || l[0]["user"] != "alice" {
		t.Errorf("log %v", l)
	}
	up["x:user"] = "bob"
	if rec := f.signedCall(body(up)); rec.Code != 403 {
		t.Errorf("alice's key claimed by bob: %d", rec.Code)
	}
}

// TestWebhookFailuresKeepTheEvent: a webhook that fails, answers 5xx or hangs costs at most
// WebhookBudget; OSS still gets its answer (the upload happened) and the log line records the event
// with the failed delivery. Runs on synctest's fake clock.
func TestWebhookFailuresKeepTheEvent(t *testing.T) {
	for name, hook := range map[string]func(*http.Request) (*http.Response, error){
		"fails": func(*http.Request) (*http.Response, error) { return nil, errors.New("connection refused") },
		"5xx":   func(*http.Request) (*http.Response, error) { return respond(503, ""), nil },
		"hangs": func(r *http.Request) (*http.Response, error) { <-r.Context().Done(); return nil, r.Context().Err() },
	} {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newFixture(t, nil)
				f.hook = hook
				start := time.Now()
				rec := f.signedCall(body(pngUpload()))
				if took := time.Since(start); took > WebhookBudget {
					t.Errorf("the callback took %v, over the %v budget (OSS waits 5 s)", took, WebhookBudget)
				}
				if rec.Code != 200 {
					t.Errorf("status %d: %s", rec.Code, rec.Body)
				}
				l := f.lines("upload completed")
				if len(l) != 1 || l[0]["webhook"] != "failed" || l[0]["key"] != "uploads/2026/11/29/ab.png" || l[0]["webhookAttempts"] == nil {
					t.Errorf("log: %s", f.log.String())
				}
				if len(f.webhooks) < 2 && name != "hangs" {
					t.Errorf("%d tries, want retries", len(f.webhooks))
				}
			})
		})
	}
}

func TestNoWebhookConfigured(t *testing.T) {
	f := newFixture(t, map[string]string{"WEBHOOK_URL": "", "WEBHOOK_SECRET": ""})
	if rec := f.signedCall(body(pngUpload())); rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if l := f.lines("upload completed"); len(l) != 1 || l[0]["webhook"] != "off" {
		t.Errorf("log %s", f.log.String())
	}
}

func TestOnlyPOSTOnTheRoute(t *testing.T) {
	f := newFixture(t, nil)
	for _, c := range []struct{ method, path string }{{"GET", APIPath}, {"POST", "/"}} {
		rec := httptest.NewRecorder()
		f.h.ServeHTTP(rec, httptest.NewRequest(c.method, c.path, nil))
		if rec.Code != 405 && rec.Code != 404 {
			t.Errorf("%s %s: %d", c.method, c.path, rec.Code)
		}
	}
}

// TestOSSKeySizeAccepted: OSS's published key is 512 bits; main.go's //go:debug rsa1024min=0 must
// make this binary accept it (checked with an OSS-signed request in shared/osscallback).
func TestOSSKeySizeAccepted(t *testing.T) {
	const pub = "-----BEGIN PUBLIC KEY-----\nMFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAKs/JBGzwUB2aVht4crBx3oIPBLNsjGs\nC0fTXv+nvlmklvkcolvpvXLTjaxUHR3W9LXxQ2EHXAJfCB+6H2YF1k8CAwEAAQ==\n-----END PUBLIC KEY-----\n"
	key, err := osscallback.ParsePublicKey([]byte(pub))
	if err != nil {
		t.Fatal(err)
	}
	// Source: shared/osscallback/testdata/oss_signed_callback.json.
	b := `{"name":"2f7b2ccf30e9270ea920f1ab8a4037a546a2f0d5.jpg","source_name":"1/1_hFRtDLgM_2f7b2ccf30e9270ea920f1ab8a4037a546a2f0d5.jpg","size":114020,"pic_info":"810,539"}`
	err = osscallback.Verify(key, "e5LwzwTkP9AFAItT4YzvdJOHd0Y0wqTMWhsV/h5SG90JYGAmMd+8LQyj96R+9qUfJWjMt6suuUh7LaOryR87Dw==", "/api/v3/callback/oss/TnXx5E5VyfJUyM1UdkdDu1rtnJ34EbmH", "", []byte(b))
	if err != nil {
		t.Fatalf("OSS's 512-bit key is refused by this binary: %v", err)
	}
}

// TestWebhookErrorLogsNoURL: Go's *url.Error prints the whole request URL, and a webhook URL may
// carry its token in the query (DingTalk's ?access_token=); the log names the host, the status and
// the kind of error only.
func TestWebhookErrorLogsNoURL(t *testing.T) {
	const token = "d1e2a3d4b5e6e7f8tokenvalue"
	for name, hook := range map[string]func(*http.Request) (*http.Response, error){
		"network error": func(*http.Request) (*http.Response, error) { return nil, errors.New("connection refused") },
		"5xx":           func(*http.Request) (*http.Response, error) { return respond(502, ""), nil },
	} {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newFixture(t, map[string]string{"WEBHOOK_URL": "https://oapi.hooks.test/robot/send?access_token=" + token})
				f.hook = hook
				if rec := f.signedCall(body(pngUpload())); rec.Code != 200 {
					t.Fatalf("status %d", rec.Code)
				}
				if strings.Contains(f.log.String(), token) || strings.Contains(f.log.String(), "access_token") {
					t.Errorf("the log holds the webhook URL's query:\n%s", f.log.String())
				}
				l := f.lines("upload completed")
				if len(l) != 1 || l[0]["webhookHost"] != "oapi.hooks.test" || l[0]["webhookError"] == "" {
					t.Errorf("log line %v", l)
				}
				if name == "5xx" && l[0]["webhookStatus"] != float64(502) {
					t.Errorf("webhookStatus %v", l[0]["webhookStatus"])
				}
			})
		})
	}
}
