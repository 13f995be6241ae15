package devstack

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/fc-oss-upload/fc-oss-upload/shared/api"
	"github.com/fc-oss-upload/fc-oss-upload/shared/osscallback"
)

// The upload callback end to end: each flow's authorization makes the local OSS call the callback
// function (through the origin, as OSS calls the custom domain), which verifies the local OSS's
// signature and notifies the webhook receiver, which verifies the Standard Webhooks signature.

func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(1, 1, color.Black)
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// notified returns the verified webhook events of key so far, and fails on any rejected webhook.
func notified(t *testing.T, key string) []osscallback.Event {
	t.Helper()
	evs, rejected := hooks.Events()
	if rejected > 0 {
		t.Errorf("%d webhooks failed verification", rejected)
	}
	var out []osscallback.Event
	for _, ev := range evs {
		if ev.Data.Key == key {
			out = append(out, ev)
		}
	}
	return out
}

// checkAnswer checks the callback's answer that OSS relayed to the client, and that exactly one
// verified notification names the upload.
func checkAnswer(t *testing.T, resp *http.Response, key string, size int64, w, h int) {
	t.Helper()
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("upload: %d %s", resp.StatusCode, body)
	}
	var a api.Uploaded
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatalf("the client did not get the callback's answer: %s", body)
	}
	checkAnswerValue(t, a, key, size, w, h)
}

func checkAnswerValue(t *testing.T, a api.Uploaded, key string, size int64, w, h int) {
	t.Helper()
	if a.Key != key || a.Size != size || a.ContentType != "image/png" || a.Image == nil || a.Image.Width != w || a.Image.Height != h {
		t.Errorf("callback answer %+v", a)
	}
	evs := notified(t, key)
	if len(evs) != 1 {
		t.Fatalf("%d verified notifications for %s, want exactly 1", len(evs), key)
	}
	if evs[0].Type != osscallback.EventType || evs[0].Data.Size != size || evs[0].Data.ETag != a.ETag || evs[0].Data.Image == nil {
		t.Errorf("event %+v", evs[0])
	}
}

func TestCallbackPresignedPut(t *testing.T) {
	data := pngOf(t, 40, 30)
	var p presigned
	mustJSON(t, stack, "/get_presigned_url_for_oss_upload?filename=cb.png&size="+itoa(len(data)), &p)
	checkAnswer(t, put(t, p, data, p.Headers), p.Key, int64(len(data)), 40, 30)
	stored(t, p.Key, data)
	if evs := notified(t, p.Key); len(evs) == 1 && evs[0].Data.Filename != "cb.png" {
		t.Errorf("filename %q", evs[0].Data.Filename)
	}
	t.Run("callback cannot be changed", func(t *testing.T) {
		var p presigned
		mustJSON(t, stack, "/get_presigned_url_for_oss_upload?filename=cb.png&size="+itoa(len(data)), &p)
		u, _ := url.Parse(p.URL)
		q := u.Query()
		q.Set("callback", osscallback.Param("http://127.0.0.1:1/elsewhere"))
		u.RawQuery = q.Encode()
		p.URL = u.String()
		if status, code := ossError(t, put(t, p, data, p.Headers)); status != 403 || code != "SignatureDoesNotMatch" {
			t.Fatalf("a changed callback: %d %s", status, code)
		}
		notStored(t, p.Key)
	})
}

func TestCallbackPostObject(t *testing.T) {
	data := pngOf(t, 7, 9)
	var s postSignature
	mustJSON(t, stack, "/get_post_signature_for_oss_upload?filename=cb.png", &s)
	checkAnswer(t, postForm(t, s.Host, fieldsOf(s.Fields), "cb.png", data), s.Key, int64(len(data)), 7, 9)
	stored(t, s.Key, data)

	t.Run("callback cannot be changed", func(t *testing.T) {
		var s postSignature
		mustJSON(t, stack, "/get_post_signature_for_oss_upload?filename=cb.png", &s)
		fields := map[string]string{}
		for k, v := range s.Fields {
			fields[k] = v
		}
		fields["callback"] = osscallback.Param("http://127.0.0.1:1/elsewhere")
		if status, code := ossError(t, postForm(t, s.Host, fieldsOf(fields), "cb.png", data)); status != 403 || code != "AccessDenied" {
			t.Fatalf("a changed callback: %d %s", status, code)
		}
		notStored(t, s.Key)
	})
}

// TestCallbackSTS sends the callback option the way ali-oss does (lib/common/callback.js: the
// option as x-oss-callback, customValue as x-oss-callback-var with "x:" names), simple and
// multipart; the browser test runs ali-oss itself.
func TestCallbackSTS(t *testing.T) {
	var tok api.Token
	mustJSON(t, stack, "/get_sts_token_for_oss_upload", &tok)
	if tok.Callback == nil {
		t.Fatal("the sts answer has no callback option")
	}
	o := tok.Callback
	param, _ := json.Marshal(osscallback.Parameter{CallbackURL: o.URL, CallbackBody: o.Body, CallbackBodyType: o.ContentType})
	vars := map[string]string{"x:filename": "sts.png"}
	for k, v := range o.CustomValue {
		vars["x:"+k] = v
	}
	cb, cv := oss.Ptr(base64.StdEncoding.EncodeToString(param)), oss.Ptr(osscallback.EncodeVars(vars))
	client := ossClient(tok)
	ctx := context.Background()

	t.Run("simple put", func(t *testing.T) {
		data := pngOf(t, 5, 6)
		key := tok.Dir + "sts/callback.png"
		res, err := client.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(tok.Bucket), Key: oss.Ptr(key), Body: bytes.NewReader(data),
			ContentType: oss.Ptr("image/png"), Callback: cb, CallbackVar: cv})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(res.CallbackResult)
		var a api.Uploaded
		json.Unmarshal(b, &a)
		checkAnswerValue(t, a, key, int64(len(data)), 5, 6)
	})
	t.Run("multipart", func(t *testing.T) {
		data := append(pngOf(t, 11, 12), make([]byte, 300_000)...) // a PNG with trailing bytes: still 11x12
		key := tok.Dir + "sts/callback-multipart.png"
		imu, err := client.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr(tok.Bucket), Key: oss.Ptr(key), ContentType: oss.Ptr("image/png")})
		if err != nil {
			t.Fatal(err)
		}
		var parts []oss.UploadPart
		for i, off := 1, 0; off < len(data); i, off = i+1, off+200*1024 {
			end := min(off+200*1024, len(data))
			up, err := client.UploadPart(ctx, &oss.UploadPartRequest{Bucket: oss.Ptr(tok.Bucket), Key: oss.Ptr(key), UploadId: imu.UploadId,
				PartNumber: int32(i), Body: bytes.NewReader(data[off:end])})
			if err != nil {
				t.Fatal(err)
			}
			parts = append(parts, oss.UploadPart{PartNumber: int32(i), ETag: up.ETag})
		}
		res, err := client.CompleteMultipartUpload(ctx, &oss.CompleteMultipartUploadRequest{Bucket: oss.Ptr(tok.Bucket), Key: oss.Ptr(key), UploadId: imu.UploadId,
			CompleteMultipartUpload: &oss.CompleteMultipartUpload{Parts: parts}, Callback: cb, CallbackVar: cv})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(res.CallbackResult)
		var a api.Uploaded
		json.Unmarshal(b, &a)
		checkAnswerValue(t, a, key, int64(len(data)), 11, 12)
		stored(t, key, data)
	})
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// syncBuffer collects the functions' output.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestCallbackForgedBodyRefused is the security review's attack: the callback body is the
// uploader's template, so bob, with his STS credentials, uploads a tiny object of his own and asks
// OSS to call back with a constant body naming alice's key, a size and a type. OSS signs it; the
// callback function asks OSS (HeadObject, its own role) what is stored there, finds nothing and
// refuses: no event reaches the webhook, the client gets CallbackFailed. A genuine callback for
// bob's upload still goes through, with size and type from OSS.
func TestCallbackForgedBodyRefused(t *testing.T) {
	wh, err := StartWebhook("")
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	var out syncBuffer
	s, err := Start(context.Background(), Options{Bins: bins, Auth: true, Callbacks: true, Env: wh.Env(), FunctionOutput: &out})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tok, err := s.Issuer.Mint("bob")
	if err != nil {
		t.Fatal(err)
	}
	var bob api.Token
	if resp := call(t, "GET", s.OriginURL, "/get_sts_token_for_oss_upload", map[string]string{"Authorization": "Bearer " + tok}, &bob); resp.StatusCode != 200 || bob.Callback == nil {
		t.Fatalf("bob's token: %d %+v", resp.StatusCode, bob)
	}
	client := ossClient(bob)
	ctx := context.Background()
	put := func(key string, body string) (*oss.PutObjectResult, error) {
		param, _ := json.Marshal(osscallback.Parameter{CallbackURL: bob.Callback.URL, CallbackBody: body, CallbackBodyType: osscallback.BodyType})
		return client.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(bob.Bucket), Key: oss.Ptr(key), Body: strings.NewReader("tiny"),
			ContentType: oss.Ptr("application/octet-stream"), Callback: oss.Ptr(base64.StdEncoding.EncodeToString(param))})
	}
	events := func() []osscallback.Event {
		evs, rejected := wh.Events()
		if rejected > 0 {
			t.Errorf("%d webhooks failed verification", rejected)
		}
		return evs
	}

	forgedKey := s.Dir + "alice/2026/11/29/forged.pdf"
	forged := url.Values{"bucket": {s.Bucket}, "object": {forgedKey}, "etag": {"0123456789ABCDEF0123456789ABCDEF"},
		"size": {"123"}, "mimeType": {"application/pdf"}, "user": {"alice"}}.Encode()
	_, err = put(bob.Dir+"tiny.bin", forged)
	var se *oss.ServiceError
	if !errors.As(err, &se) || se.StatusCode != 203 || se.Code != "CallbackFailed" {
		t.Errorf("the forged callback: %v, want 203 CallbackFailed", err)
	}
	if evs := events(); len(evs) != 0 {
		t.Errorf("the webhook got %d events for a forged callback: %+v", len(evs), evs)
	}
	if !strings.Contains(out.String(), "callback refused") || !strings.Contains(out.String(), forgedKey) {
		t.Errorf("no refusal naming %s in the callback function's log:\n%s", forgedKey, out.String())
	}

	// The same forgery with bob's own key and made-up size and type: the event carries OSS's.
	own := bob.Dir + "own.bin"
	lying := url.Values{"bucket": {s.Bucket}, "object": {"${object}"}, "etag": {"${etag}"}, "size": {"999999"}, "mimeType": {"image/png"}}.Encode()
	lying = strings.NewReplacer("%24%7Bobject%7D", "${object}", "%24%7Betag%7D", "${etag}").Replace(lying)
	if _, err := put(own, lying); err != nil {
		t.Fatalf("bob's own upload with a callback: %v", err)
	}
	evs := events()
	if len(evs) != 1 || evs[0].Data.Key != own || evs[0].Data.Size != 4 || evs[0].Data.ContentType != "application/octet-stream" || evs[0].Data.User != "bob" {
		t.Errorf("events %+v, want one for %s with OSS's size 4 and type", evs, own)
	}
}

// TestNoCallbackFieldWithoutCallbacks: without OSS_CALLBACK_URL the POST policy pins callback to
// "", so a client cannot add a callback field and have OSS post a signed callback to a URL of its
// choosing with this bundle's upload.
func TestNoCallbackFieldWithoutCallbacks(t *testing.T) {
	var s postSignature
	if resp := call(t, "GET", defaults.OriginURL, "/get_post_signature_for_oss_upload?filename=n.png", nil, &s); resp.StatusCode != 200 {
		t.Fatalf("post signature: %d", resp.StatusCode)
	}
	fields := map[string]string{}
	for k, v := range s.Fields {
		fields[k] = v
	}
	fields["callback"] = osscallback.Param("http://127.0.0.1:1/elsewhere")
	if status, code := ossError(t, postForm(t, s.Host, fieldsOf(fields), "n.png", pngOf(t, 2, 2))); status != 403 || code != "AccessDenied" {
		t.Fatalf("a client-added callback field: %d %s, want 403 AccessDenied", status, code)
	}
	if _, _, err := defaults.OSS.Object(defaults.Bucket, s.Key); err == nil {
		t.Error("the object was stored")
	}
}
