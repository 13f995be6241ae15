package devstack

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"

	"github.com/fc-oss-upload/fc-oss-upload/scripts/fcemu"
	"github.com/fc-oss-upload/fc-oss-upload/shared/api"
)

// The end-to-end tests drive the real handler binaries (built as deployed) through the FC
// emulator, upload to the strict local OSS with what they return and read the objects back.

const maxSize = 1 << 20

var (
	// stack runs with limits set (size, types, overwrite); defaults runs with every setting at its
	// default, as a deployment that names none (the attack table's stack, see attack_test.go).
	stack, defaults *Stack
	// bins are the function binaries both stacks run, built once.
	bins map[string]string
	// hooks receives the callback function's webhooks.
	hooks *Webhook
	// skew shifts the clock of the local OSS and the fake STS, to expire URLs and policies.
	skew atomic.Int64
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

// run runs every test of the package twice: against the functions as go1 functions (the SDK entry,
// through the runtime API) and as custom-runtime functions (the HTTP entry, fcemu.CustomInstance):
// the two entries of one binary must behave the same.
func run(m *testing.M) int {
	ctx := context.Background()
	binDir, err := os.MkdirTemp("", "fc-oss-upload-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(binDir)
	// The multipart tests' stack starts once, on first use; close it too, or its function
	// processes outlive the test binary.
	defer func() {
		if mpStack != nil {
			mpStack.Close()
		}
	}()
	if bins, err = Build(ctx, binDir, false); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	for _, sc := range []*fcemu.Scaling{nil, {Runtime: fcemu.RuntimeCustom, InstanceConcurrency: 20, MaxInstances: 1}} {
		name := "go1"
		if sc != nil {
			name = "custom runtime"
		}
		fmt.Fprintf(os.Stderr, "devstack e2e: functions on %s\n", name)
		if code := runOn(ctx, m, sc); code != 0 {
			fmt.Fprintf(os.Stderr, "devstack e2e: FAILED on %s\n", name)
			return code
		}
	}
	return 0
}

// runOn starts both stacks with the functions scaled by sc (nil: one go1 process per function) and
// runs the tests.
func runOn(ctx context.Context, m *testing.M, sc *fcemu.Scaling) int {
	var err error
	// A receiver per pass: the callback tests count notifications per key.
	if hooks, err = StartWebhook(""); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer hooks.Close()
	now := func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	if defaults, err = Start(ctx, Options{Bins: bins, Now: now, Scaling: sc}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer defaults.Close()
	env := map[string]string{
		"OSS_MAX_SIZE_BYTES":        fmt.Sprint(maxSize),
		"OSS_ALLOWED_CONTENT_TYPES": "image/png,text/plain,application/octet-stream",
		"OSS_FORBID_OVERWRITE":      "true",
		"OSS_STS_DURATION_SECONDS":  "900",
	}
	for k, v := range hooks.Env() {
		env[k] = v
	}
	stack, err = Start(ctx, Options{
		Bins:      bins,
		Now:       now,
		Env:       env,
		Callbacks: true,
		Scaling:   sc,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer stack.Close()
	return m.Run()
}

func randomBytes(t *testing.T, n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// ossError returns the HTTP status and the <Code> of an OSS answer.
func ossError(t *testing.T, resp *http.Response) (int, string) {
	t.Helper()
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	code := ""
	if i := bytes.Index(body, []byte("<Code>")); i >= 0 {
		rest := body[i+6:]
		code = string(rest[:bytes.Index(rest, []byte("</Code>"))])
	}
	return resp.StatusCode, code
}

func stored(t *testing.T, key string, want []byte) {
	t.Helper()
	got, _, err := stack.OSS.Object(stack.Bucket, key)
	if err != nil {
		t.Fatalf("object %s: %v", key, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("object %s: %d bytes stored, want %d identical bytes", key, len(got), len(want))
	}
}

func notStored(t *testing.T, key string) {
	t.Helper()
	if _, _, err := stack.OSS.Object(stack.Bucket, key); err == nil {
		t.Fatalf("object %s was stored", key)
	}
}

type presigned = api.PresignedPut

func put(t *testing.T, p presigned, body []byte, headers map[string]string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, p.URL, bytes.NewReader(body))
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestPresignedPut(t *testing.T) {
	data := randomBytes(t, 300_000)
	var p presigned
	mustJSON(t, stack, "/get_presigned_url_for_oss_upload?filename=pic.png&size=300000", &p)
	if p.Headers["Content-Type"] != "image/png" || p.Headers["x-oss-forbid-overwrite"] != "true" {
		t.Fatalf("headers %v", p.Headers)
	}
	if code, _ := ossError(t, put(t, p, data, p.Headers)); code != 200 {
		t.Fatalf("upload: %d", code)
	}
	stored(t, p.Key, data)

	t.Run("overwrite forbidden", func(t *testing.T) {
		if status, code := ossError(t, put(t, p, data, p.Headers)); status != 409 || code != "FileAlreadyExists" {
			t.Fatalf("got %d %s", status, code)
		}
	})
	t.Run("wrong content type", func(t *testing.T) {
		var q presigned
		mustJSON(t, stack, "/get_presigned_url_for_oss_upload?filename=pic.png&size=300000", &q)
		h := map[string]string{"Content-Type": "text/html", "x-oss-forbid-overwrite": "true"}
		if status, code := ossError(t, put(t, q, data, h)); status != 403 || code != "SignatureDoesNotMatch" {
			t.Fatalf("got %d %s", status, code)
		}
		notStored(t, q.Key)
	})
	t.Run("different size than signed", func(t *testing.T) {
		var q presigned
		mustJSON(t, stack, "/get_presigned_url_for_oss_upload?filename=pic.png&size=10", &q)
		if status, code := ossError(t, put(t, q, data, q.Headers)); status != 403 || code != "SignatureDoesNotMatch" {
			t.Fatalf("got %d %s", status, code)
		}
		notStored(t, q.Key)
	})
	t.Run("tampered signature", func(t *testing.T) {
		var q presigned
		mustJSON(t, stack, "/get_presigned_url_for_oss_upload?filename=pic.png&size=300000", &q)
		u, _ := url.Parse(q.URL)
		v := u.Query()
		sig := []byte(v.Get("x-oss-signature"))
		sig[0] ^= 1
		v.Set("x-oss-signature", string(sig))
		u.RawQuery = v.Encode()
		q.URL = u.String()
		if status, code := ossError(t, put(t, q, data, q.Headers)); status != 403 || code != "SignatureDoesNotMatch" {
			t.Fatalf("got %d %s", status, code)
		}
	})
	t.Run("another key with the same signature", func(t *testing.T) {
		var q presigned
		mustJSON(t, stack, "/get_presigned_url_for_oss_upload?filename=pic.png&size=300000", &q)
		q.URL = strings.Replace(q.URL, q.Key, stack.Dir+"elsewhere.png", 1)
		if status, code := ossError(t, put(t, q, data, q.Headers)); status != 403 || code != "SignatureDoesNotMatch" {
			t.Fatalf("got %d %s", status, code)
		}
	})
	t.Run("expired", func(t *testing.T) {
		var q presigned
		mustJSON(t, stack, "/get_presigned_url_for_oss_upload?filename=pic.png&size=300000", &q)
		skew.Store(int64(11 * time.Minute))
		defer skew.Store(0)
		if status, code := ossError(t, put(t, q, data, q.Headers)); status != 403 || code != "AccessDenied" {
			t.Fatalf("got %d %s", status, code)
		}
		notStored(t, q.Key)
	})
}

type postSignature = api.PostPolicy

// postForm sends a multipart form with fields in order and the file last.
func postForm(t *testing.T, host string, fields [][2]string, filename string, data []byte) *http.Response {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, f := range fields {
		w.WriteField(f[0], f[1])
	}
	fw, _ := w.CreateFormFile("file", filename)
	fw.Write(data)
	w.Close()
	resp, err := http.Post(host, w.FormDataContentType(), &b)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func fieldsOf(m map[string]string) [][2]string {
	var out [][2]string
	for k, v := range m {
		out = append(out, [2]string{k, v})
	}
	return out
}

func TestPostObject(t *testing.T) {
	data := randomBytes(t, 200_000)
	var s postSignature
	mustJSON(t, stack, "/get_post_signature_for_oss_upload?filename=notes.txt", &s)
	if status, code := ossError(t, postForm(t, s.Host, fieldsOf(s.Fields), "notes.txt", data)); status != 200 {
		t.Fatalf("upload: %d %s", status, code)
	}
	stored(t, s.Key, data)
	_, meta, _ := stack.OSS.Object(stack.Bucket, s.Key)
	if meta.ContentType != "text/plain" {
		t.Errorf("content type %q", meta.ContentType)
	}

	t.Run("overwrite forbidden", func(t *testing.T) {
		if status, code := ossError(t, postForm(t, s.Host, fieldsOf(s.Fields), "notes.txt", data)); status != 409 || code != "FileAlreadyExists" {
			t.Fatalf("got %d %s", status, code)
		}
	})
	t.Run("published V4 form shape", func(t *testing.T) {
		var p postSignature
		mustJSON(t, stack, "/get_post_signature_for_oss_upload", &p)
		// Exactly the fields of Alibaba's published form example, and its key = dir + file name.
		key := p.Dir + "published form.png"
		fields := [][2]string{
			{"success_action_status", "200"}, {"policy", p.Policy}, {"x-oss-signature", p.Signature},
			{"x-oss-signature-version", "OSS4-HMAC-SHA256"}, {"x-oss-credential", p.Credential},
			{"x-oss-date", p.Date}, {"key", key}, {"x-oss-security-token", p.SecurityToken},
			{"x-oss-forbid-overwrite", "true"}, {"Content-Type", "image/png"}, {"x-oss-content-type", "image/png"},
		}
		if p.Callback != "" {
			// Alibaba's callback variant of the example posts the answer's callback field too.
			fields = append(fields, [2]string{"callback", p.Callback})
		}
		if status, code := ossError(t, postForm(t, p.Host, fields, "published form.png", data)); status != 200 {
			t.Fatalf("got %d %s", status, code)
		}
		stored(t, key, data)
	})
	t.Run("over the size limit", func(t *testing.T) {
		var p postSignature
		mustJSON(t, stack, "/get_post_signature_for_oss_upload?filename=big.png", &p)
		if status, code := ossError(t, postForm(t, p.Host, fieldsOf(p.Fields), "big.png", randomBytes(t, maxSize+1))); status != 400 || code != "EntityTooLarge" {
			t.Fatalf("got %d %s", status, code)
		}
		notStored(t, p.Key)
	})
	t.Run("key outside the prefix", func(t *testing.T) {
		var p postSignature
		mustJSON(t, stack, "/get_post_signature_for_oss_upload", &p)
		f := p.Fields
		f["key"] = "elsewhere/x.png"
		f["Content-Type"] = "image/png"
		f["x-oss-content-type"] = "image/png"
		f["x-oss-forbid-overwrite"] = "true"
		if status, code := ossError(t, postForm(t, p.Host, fieldsOf(f), "x.png", data)); status != 403 || code != "AccessDenied" {
			t.Fatalf("got %d %s", status, code)
		}
		notStored(t, "elsewhere/x.png")
	})
	t.Run("type not allowed", func(t *testing.T) {
		var p postSignature
		mustJSON(t, stack, "/get_post_signature_for_oss_upload", &p)
		f := p.Fields
		f["key"] = p.Dir + "page.html"
		f["Content-Type"] = "text/html"
		f["x-oss-content-type"] = "text/html"
		f["x-oss-forbid-overwrite"] = "true"
		if status, code := ossError(t, postForm(t, p.Host, fieldsOf(f), "page.html", data)); status != 403 || code != "AccessDenied" {
			t.Fatalf("got %d %s", status, code)
		}
		notStored(t, p.Dir+"page.html")
	})
	t.Run("tampered policy", func(t *testing.T) {
		var p postSignature
		mustJSON(t, stack, "/get_post_signature_for_oss_upload?filename=t.png", &p)
		f := p.Fields
		sig := []byte(f["x-oss-signature"])
		sig[3] ^= 1
		f["x-oss-signature"] = string(sig)
		if status, code := ossError(t, postForm(t, p.Host, fieldsOf(f), "t.png", data)); status != 403 || code != "SignatureDoesNotMatch" {
			t.Fatalf("got %d %s", status, code)
		}
	})
	t.Run("expired policy", func(t *testing.T) {
		var p postSignature
		mustJSON(t, stack, "/get_post_signature_for_oss_upload?filename=late.png", &p)
		skew.Store(int64(11 * time.Minute))
		defer skew.Store(0)
		if status, code := ossError(t, postForm(t, p.Host, fieldsOf(p.Fields), "late.png", data)); status != 403 || code != "AccessDenied" {
			t.Fatalf("got %d %s", status, code)
		}
		notStored(t, p.Key)
	})
}

type stsToken = api.Token

func ossClient(tok stsToken) *oss.Client {
	cfg := oss.LoadDefaultConfig().
		WithRegion(tok.Region).
		WithEndpoint(tok.Endpoint).
		WithUsePathStyle(true).
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(tok.AccessKeyID, tok.AccessKeySecret, tok.SecurityToken))
	return oss.NewClient(cfg)
}

func ossCode(err error) string {
	var se *oss.ServiceError
	if errors.As(err, &se) {
		return se.Code
	}
	return ""
}

func TestSTSUpload(t *testing.T) {
	var tok stsToken
	mustJSON(t, stack, "/get_sts_token_for_oss_upload", &tok)
	client := ossClient(tok)
	ctx := context.Background()

	t.Run("simple put", func(t *testing.T) {
		data := randomBytes(t, 50_000)
		key := tok.Dir + "sts/中文 a+b~(1).bin"
		if _, err := client.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(tok.Bucket), Key: oss.Ptr(key), Body: bytes.NewReader(data)}); err != nil {
			t.Fatal(err)
		}
		stored(t, key, data)
	})
	t.Run("multipart", func(t *testing.T) {
		data := randomBytes(t, 700_000)
		key := tok.Dir + "sts/multipart.bin"
		up := client.NewUploader(func(o *oss.UploaderOptions) { o.PartSize = 200 * 1024; o.ParallelNum = 2 })
		if _, err := up.UploadFrom(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(tok.Bucket), Key: oss.Ptr(key)}, bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
		stored(t, key, data)
	})
	t.Run("outside the session policy", func(t *testing.T) {
		_, err := client.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(tok.Bucket), Key: oss.Ptr("elsewhere/x.bin"), Body: strings.NewReader("x")})
		if ossCode(err) != "AccessDenied" {
			t.Fatalf("put outside the prefix: %v", err)
		}
		_, err = client.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(tok.Bucket), Key: oss.Ptr(tok.Dir + "sts/multipart.bin")})
		if ossCode(err) != "AccessDenied" {
			t.Fatalf("read with upload credentials: %v", err)
		}
		_, err = client.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr(tok.Bucket), Key: oss.Ptr(tok.Dir + "sts/multipart.bin")})
		if ossCode(err) != "AccessDenied" {
			t.Fatalf("delete with upload credentials: %v", err)
		}
	})
	t.Run("token missing or expired", func(t *testing.T) {
		noToken := tok
		noToken.SecurityToken = ""
		_, err := ossClient(noToken).PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(tok.Bucket), Key: oss.Ptr(tok.Dir + "x"), Body: strings.NewReader("x")})
		if ossCode(err) != "InvalidAccessKeyId" {
			t.Fatalf("without token: %v", err)
		}
		skew.Store(int64(16 * time.Minute))
		defer skew.Store(0)
		_, err = client.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(tok.Bucket), Key: oss.Ptr(tok.Dir + "late"), Body: strings.NewReader("x")})
		if ossCode(err) != "SecurityTokenExpired" {
			t.Fatalf("expired token: %v", err)
		}
	})
}

// TestTriggerFrontBadInput: what the HTTP trigger front and the handlers make of bad requests.
func TestTriggerFrontBadInput(t *testing.T) {
	post := func(path, contentType string, body []byte) (int, string) {
		resp, err := http.Post(stack.OriginURL+path, contentType, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var e struct {
			Error struct{ Code string } `json:"error"`
		}
		json.Unmarshal(b, &e)
		return resp.StatusCode, e.Error.Code
	}
	if status, code := post("/get_presigned_url_for_oss_upload", "application/json", []byte(`{"filename":`)); status != 400 || code != "invalid_argument" {
		t.Errorf("malformed JSON: %d %s", status, code)
	}
	if status, _ := post("/get_presigned_url_for_oss_upload", "application/json", make([]byte, 33<<20)); status != 413 {
		t.Errorf("huge body: %d", status)
	}
	if status, code := post("/get_presigned_url_for_oss_upload", "application/json", bytes.Repeat([]byte("x"), 100<<10)); status != 413 || code != "payload_too_large" {
		t.Errorf("body over the function's limit: %d %s", status, code)
	}
	// A binary body travels base64-encoded in the event; the handler ignores a body it does not read.
	if status, _ := post("/get_presigned_url_for_oss_upload?filename=a.png&size=4", "application/octet-stream", []byte{0, 0xff, 0xfe, 1}); status != 200 {
		t.Errorf("binary body: %d", status)
	}
	if status, code := post("/get_post_signature_for_oss_upload", "application/x-www-form-urlencoded", []byte("filename=%ZZ")); status != 400 || code != "invalid_argument" {
		t.Errorf("bad form: %d %s", status, code)
	}
}
