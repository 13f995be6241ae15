package sdktest

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	ossv2 "github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/fc-oss-upload/fc-oss-upload/internal/localoss"
	"github.com/fc-oss-upload/fc-oss-upload/shared/api"
	"github.com/fc-oss-upload/fc-oss-upload/shared/osscallback"
)

// callbackSink is a callback receiver that verifies OSS's signature with the key the server
// publishes, records each call, and answers with answer(status, body).
type callbackSink struct {
	mu     sync.Mutex
	calls  []url.Values
	errs   []error
	status int
	answer string
	srv    *httptest.Server
}

func newCallbackSink(t *testing.T, status int, answer string) *callbackSink {
	k := &callbackSink{status: status, answer: answer}
	keys := &osscallback.Keys{}
	k.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		keyURL, _ := base64.StdEncoding.DecodeString(r.Header.Get("x-oss-pub-key-url"))
		keys.Trusted = []string{string(keyURL)} // the test trusts this server's own key URL
		var err error
		var key *rsa.PublicKey
		if key, err = keys.Key(r.Context(), r.Header.Get("x-oss-pub-key-url")); err == nil {
			err = osscallback.Verify(key, r.Header.Get("Authorization"), r.URL.EscapedPath(), r.URL.RawQuery, body)
		}
		q, _ := url.ParseQuery(string(body))
		k.mu.Lock()
		k.calls, k.errs = append(k.calls, q), append(k.errs, err)
		k.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(k.status)
		io.WriteString(w, k.answer)
	}))
	t.Cleanup(k.srv.Close)
	return k
}

func pngBytes(t *testing.T, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(0, 0, color.White)
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestCallbackWithSDK: the OSS Go SDK v2 puts an object with a callback (it builds x-oss-callback
// and reads the relayed answer); the server calls back signed, with OSS's variables substituted.
func TestCallbackWithSDK(t *testing.T) {
	env := newTestEnv(t, time.Now())
	sink := newCallbackSink(t, 200, `{"ok":true,"width":3}`)
	client := v2Client(env, sdkCreds[0], ossv2.SignatureVersionV4, testRegion)
	data := pngBytes(t, 3, 2)
	res, err := client.PutObject(context.Background(), &ossv2.PutObjectRequest{
		Bucket: ossv2.Ptr(testBucket), Key: ossv2.Ptr(testKey), Body: bytes.NewReader(data), ContentType: ossv2.Ptr("image/png"),
		Callback:    ossv2.Ptr(osscallback.Param(sink.srv.URL + "/oss_upload_callback")),
		CallbackVar: ossv2.Ptr(osscallback.EncodeVars(osscallback.Vars("alice", "a b.png"))),
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.CallbackResult["ok"] != true {
		t.Errorf("the SDK got %v, not the callback's answer", res.CallbackResult)
	}
	if len(sink.calls) != 1 || sink.errs[0] != nil {
		t.Fatalf("callbacks %v, verification %v", sink.calls, sink.errs)
	}
	meta := mustObject(t, env, testKey, data)
	u, err := osscallback.ParseBody([]byte(sink.calls[0].Encode()))
	if err != nil {
		t.Fatal(err)
	}
	want := osscallback.Upload{Bucket: testBucket, Key: testKey, Size: int64(len(data)), ETag: strings.Trim(meta.ETag, `"`), ContentType: "image/png",
		User: "alice", Filename: "a b.png"}
	img := u.Image
	u.Image = nil
	if u != want || img == nil || *img != (api.Image{Width: 3, Height: 2, Format: "png"}) {
		t.Errorf("callback body %+v image %+v\nwant %+v", u, img, want)
	}
}

// TestCallbackFailures: a callback that fails gives the client 203 CallbackFailed; the object is
// stored anyway. A malformed callback parameter is refused before anything is stored.
func TestCallbackFailures(t *testing.T) {
	for _, c := range []struct {
		name   string
		status int
		answer string
	}{
		{"5xx", 500, `{}`},
		{"not JSON", 200, `plain text`},
		{"refused", 403, `{"error":{}}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			env := newTestEnv(t, time.Now())
			sink := newCallbackSink(t, c.status, c.answer)
			client := v2Client(env, sdkCreds[0], ossv2.SignatureVersionV4, testRegion)
			_, err := client.PutObject(context.Background(), &ossv2.PutObjectRequest{
				Bucket: ossv2.Ptr(testBucket), Key: ossv2.Ptr("k.txt"), Body: strings.NewReader("hello"),
				Callback: ossv2.Ptr(osscallback.Param(sink.srv.URL + "/cb")),
			})
			var se *ossv2.ServiceError
			if !errors.As(err, &se) || se.StatusCode != 203 || se.Code != localoss.CodeCallbackFailed {
				t.Errorf("err = %v, want 203 CallbackFailed", err)
			}
			mustObject(t, env, "k.txt", []byte("hello"))
			if len(sink.calls) != 1 {
				t.Errorf("%d callbacks, want 1 (OSS does not retry)", len(sink.calls))
			}
		})
	}

	env := newTestEnv(t, time.Now())
	client := v2Client(env, sdkCreds[0], ossv2.SignatureVersionV4, testRegion)
	_, err := client.PutObject(context.Background(), &ossv2.PutObjectRequest{
		Bucket: ossv2.Ptr(testBucket), Key: ossv2.Ptr("bad.txt"), Body: strings.NewReader("x"),
		Callback: ossv2.Ptr(base64.StdEncoding.EncodeToString([]byte("not json"))),
	})
	if v2Code(err) != localoss.CodeInvalidArgument {
		t.Errorf("malformed callback: %v", err)
	}
	if _, _, err := env.srv.Object(testBucket, "bad.txt"); err == nil {
		t.Error("an object was stored with a malformed callback")
	}
}
