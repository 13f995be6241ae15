package devstack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/shared/api"
	"github.com/fc-oss-upload/fc-oss-upload/shared/userauth"
)

// Multipart uploads through presignedurl's Uppy Companion routes, on a stack of their own: a
// 64 MiB limit (the shared stack allows 1 MiB) and per-user prefixes (bearer JWTs of the local
// issuer, verified by the function).

const (
	mpMaxSize  = 64 << 20
	mpPartSize = 5 << 20 // presignedurl.PartSize
	mpMaxParts = 13      // ceil(64 MiB / 5 MiB)
)

var (
	mpOnce  sync.Once
	mpStack *Stack
	mpErr   error
)

func multipartStack(t testing.TB) *Stack {
	t.Helper()
	mpOnce.Do(func() {
		mpStack, mpErr = Start(context.Background(), Options{
			Bins: bins,
			Now:  func() time.Time { return time.Now().Add(time.Duration(skew.Load())) },
			Env: map[string]string{
				"OSS_MAX_SIZE_BYTES":        fmt.Sprint(mpMaxSize),
				"OSS_ALLOWED_CONTENT_TYPES": "image/png,application/octet-stream,video/mp4",
				"OSS_FORBID_OVERWRITE":      "true",
			},
			Auth: true, // per-user prefixes: bearer JWTs from the local issuer
		})
	})
	if mpErr != nil {
		t.Fatal(mpErr)
	}
	return mpStack
}

// companion calls the Companion routes of a stack as one user ("": no token).
type companion struct {
	t     testing.TB
	base  string
	user  string
	stack *Stack
}

func (c companion) call(method, path string, body any, out any) (int, string) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	if c.user != "" {
		tok, err := c.stack.Issuer.Mint(c.user)
		if err != nil {
			c.t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		var e struct {
			Error struct{ Code string } `json:"error"`
		}
		json.Unmarshal(raw, &e)
		return resp.StatusCode, e.Error.Code
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
	return 200, ""
}

func (c companion) must(method, path string, body, out any) {
	c.t.Helper()
	if status, code := c.call(method, path, body, out); status != 200 {
		c.t.Fatalf("%s %s: %d %s", method, path, status, code)
	}
}

// mpUpload is a started upload, with the paths of its routes.
type mpUpload api.Multipart

type mpPart struct {
	PartNumber int
	ETag       string
	Size       int64 `json:",omitempty"`
}

func (u mpUpload) path(suffix string) string {
	return "/s3/multipart/" + url.PathEscape(u.UploadID) + suffix + "?key=" + url.QueryEscape(u.Key)
}

// create initiates an upload of size bytes the way Uppy does with the one line the README names:
// the size in metadata, as a string (Uppy 5 sends every metadata value as one).
func (c companion) create(filename, typ string, size int64) mpUpload {
	c.t.Helper()
	var u mpUpload
	body := map[string]any{"filename": filename, "type": typ, "metadata": map[string]string{"name": filename, "size": fmt.Sprint(size)}}
	c.must(http.MethodPost, "/s3/multipart", body, &u)
	if u.Size != size {
		c.t.Fatalf("created %+v for %d bytes", u, size)
	}
	return u
}

// signPart asks for the URL of part n as Uppy does: no size, the function pins the part's length.
func (c companion) signPart(u mpUpload, n int) (url string, length int64) {
	c.t.Helper()
	var signed api.PartURL
	c.must(http.MethodGet, u.path(fmt.Sprintf("/%d", n)), nil, &signed)
	return signed.URL, signed.ContentLength
}

// putPart signs part n and uploads data; it returns OSS's status, error code and the ETag.
func (c companion) putPart(u mpUpload, n int, data []byte) (int, string, string) {
	c.t.Helper()
	signed, _ := c.signPart(u, n)
	return putRaw(c.t, signed, data)
}

func putRaw(t testing.TB, u string, data []byte) (int, string, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, u, bytes.NewReader(data))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	code := ""
	if i := bytes.Index(body, []byte("<Code>")); i >= 0 {
		if j := bytes.Index(body[i:], []byte("</Code>")); j > 0 {
			code = string(body[i+6 : i+j])
		}
	}
	return resp.StatusCode, code, resp.Header.Get("ETag")
}

// uploadParts uploads data in PartSize parts, parallel at a time, and returns the parts in order.
func (c companion) uploadParts(u mpUpload, data []byte, parallel int) []mpPart {
	c.t.Helper()
	n := (len(data) + mpPartSize - 1) / mpPartSize
	if n == 0 {
		n = 1
	}
	parts := make([]mpPart, n)
	errs := make(chan error, n)
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			chunk := data[i*mpPartSize : min(len(data), (i+1)*mpPartSize)]
			status, code, etag := c.putPart(u, i+1, chunk)
			if status != 200 {
				errs <- fmt.Errorf("part %d: %d %s", i+1, status, code)
				return
			}
			parts[i] = mpPart{PartNumber: i + 1, ETag: etag}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		c.t.Fatal(err)
	}
	return parts
}

func (c companion) complete(u mpUpload, parts []mpPart) (int, string) {
	c.t.Helper()
	var done api.Completed
	status, code := c.call(http.MethodPost, u.path("/complete"), map[string]any{"parts": parts}, &done)
	if status == 200 && (done.Key != u.Key || !strings.HasSuffix(done.Location, "/"+u.Key)) {
		c.t.Fatalf("complete answered %+v for key %s", done, u.Key)
	}
	return status, code
}

// notStored checks no object exists under key on the stack (notStored looks at the shared one).
func (c companion) notStored(key string) {
	c.t.Helper()
	if _, _, err := c.stack.OSS.Object(c.stack.Bucket, key); err == nil {
		c.t.Fatalf("object %s was stored", key)
	}
}

// aborted checks the upload is gone: listing it answers 404.
func (c companion) aborted(u mpUpload) {
	c.t.Helper()
	if status, code := c.call(http.MethodGet, u.path(""), nil, nil); status != 404 || code != "not_found" {
		c.t.Fatalf("upload %s still listed: %d %s", u.UploadID, status, code)
	}
}

func TestMultipartUpload(t *testing.T) {
	s := multipartStack(t)
	c := companion{t: t, base: s.OriginURL, user: "alice", stack: s}
	sizes := map[string]int{"1B": 1, "5MiB": 5 << 20, "5MiB+1": 5<<20 + 1}
	if os.Getenv("LONG_TESTS") == "1" {
		sizes["64MiB"] = 64 << 20
	}
	for name, size := range sizes {
		t.Run(name, func(t *testing.T) {
			c := c
			c.t = t
			data := randomBytes(t, size)
			u := c.create("clip.mp4", "", int64(size))
			if !strings.HasPrefix(u.Key, s.Dir+userauth.Segment("alice")+"/") || !strings.HasSuffix(u.Key, ".mp4") || u.PartSize != mpPartSize || u.MaxParts != mpMaxParts {
				t.Fatalf("created %+v", u)
			}
			parts := c.uploadParts(u, data, 4)
			var listed []mpPart
			c.must(http.MethodGet, u.path(""), nil, &listed)
			if len(listed) != len(parts) || listed[len(listed)-1].Size != int64(size-(len(parts)-1)*mpPartSize) {
				t.Fatalf("listed %+v for %d parts", listed, len(parts))
			}
			if status, code := c.complete(u, parts); status != 200 {
				t.Fatalf("complete: %d %s", status, code)
			}
			got, meta, err := s.OSS.Object(s.Bucket, u.Key)
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("stored %d bytes (%v), want %d identical bytes", len(got), err, len(data))
			}
			if meta.ContentType != "video/mp4" {
				t.Errorf("content type %q, want video/mp4 (set at initiation)", meta.ContentType)
			}
		})
	}
}

// TestMultipartPinnedParts is Uppy's way: the size in metadata at initiation, part URLs asked
// without a size. Each URL signs its part's exact length: the local OSS, which checks V4
// signatures as OSS does, refuses a body of any other length, and takes the right one.
func TestMultipartPinnedParts(t *testing.T) {
	s := multipartStack(t)
	c := companion{t: t, base: s.OriginURL, user: "alice", stack: s}
	data := randomBytes(t, mpPartSize+1234)
	u := c.create("a.png", "image/png", int64(len(data)))
	if u.Parts != 2 || !strings.HasSuffix(u.Key, fmt.Sprintf("-%d.png", len(data))) {
		t.Fatalf("created %+v", u)
	}
	var parts []mpPart
	for i, chunk := range [][]byte{data[:mpPartSize], data[mpPartSize:]} {
		signed, length := c.signPart(u, i+1)
		if length != int64(len(chunk)) {
			t.Fatalf("part %d signed for %d bytes, want %d", i+1, length, len(chunk))
		}
		for _, other := range [][]byte{chunk[:len(chunk)-1], append(append([]byte(nil), chunk...), 0)} {
			if status, code, _ := putRaw(t, signed, other); status != 403 || code != "SignatureDoesNotMatch" {
				t.Fatalf("part %d of %d bytes (signed for %d): %d %s", i+1, len(other), length, status, code)
			}
		}
		status, code, etag := putRaw(t, signed, chunk)
		if status != 200 {
			t.Fatalf("part %d: %d %s", i+1, status, code)
		}
		parts = append(parts, mpPart{PartNumber: i + 1, ETag: strings.Trim(etag, `"`)}) // Uppy 6 strips quotes
	}
	if status, code := c.complete(u, parts); status != 200 {
		t.Fatalf("complete: %d %s", status, code)
	}
	if got, _, _ := s.OSS.Object(s.Bucket, u.Key); !bytes.Equal(got, data) {
		t.Fatal("stored bytes differ")
	}
}

func TestMultipartRefusals(t *testing.T) {
	s := multipartStack(t)
	alice := companion{t: t, base: s.OriginURL, user: "alice", stack: s}
	small := randomBytes(t, 200<<10)
	part := randomBytes(t, mpPartSize)

	t.Run("size over the limit at initiation", func(t *testing.T) {
		alice := alice
		alice.t = t
		for _, body := range []map[string]any{
			{"filename": "a.png", "size": mpMaxSize + 1},
			{"filename": "a.png", "metadata": map[string]any{"size": mpMaxSize + 1}},
		} {
			if status, code := alice.call(http.MethodPost, "/s3/multipart", body, nil); status != 413 || code != "payload_too_large" {
				t.Fatalf("%v: got %d %s", body, status, code)
			}
		}
	})
	t.Run("no size at initiation", func(t *testing.T) {
		alice := alice
		alice.t = t
		body := map[string]any{"filename": "a.png", "type": "image/png", "metadata": map[string]string{"name": "a.png", "type": "image/png"}}
		if status, code := alice.call(http.MethodPost, "/s3/multipart", body, nil); status != 400 || code != "size_required" {
			t.Fatalf("got %d %s", status, code)
		}
	})
	t.Run("type not allowed at initiation", func(t *testing.T) {
		alice := alice
		alice.t = t
		if status, code := alice.call(http.MethodPost, "/s3/multipart", map[string]any{"filename": "a.html", "type": "text/html", "size": 1}, nil); status != 415 || code != "unsupported_media_type" {
			t.Fatalf("got %d %s", status, code)
		}
	})
	t.Run("another user's key", func(t *testing.T) {
		alice := alice
		alice.t = t
		u := alice.create("a.png", "", int64(len(small)))
		bob := companion{t: t, base: s.OriginURL, user: "bob", stack: s}
		for _, p := range []struct{ method, suffix string }{{"GET", "/1"}, {"GET", ""}, {"DELETE", ""}, {"POST", "/complete"}} {
			var body any
			if p.method == "POST" {
				body = map[string]any{"parts": []mpPart{{PartNumber: 1, ETag: "x"}}}
			}
			if status, code := bob.call(p.method, u.path(p.suffix), body, nil); status != 403 || code != "permission_denied" {
				t.Errorf("%s %s as bob: %d %s", p.method, p.suffix, status, code)
			}
		}
		alice.must(http.MethodDelete, u.path(""), nil, nil)
		alice.aborted(u)
	})
	t.Run("key not issued by the function", func(t *testing.T) {
		alice := alice
		alice.t = t
		u := alice.create("a.png", "", int64(len(small)))
		for _, key := range []string{s.Dir + userauth.Segment("alice") + "/other.png", s.Dir + userauth.Segment("alice") + "/2026/01/01/../../x.png", u.Key + "/x", strings.Replace(u.Key, "/2", "/bob/2", 1)} {
			v := u
			v.Key = key
			if status, code := alice.call(http.MethodGet, v.path("/1"), nil, nil); status != 400 || code != "invalid_argument" {
				t.Errorf("key %q: %d %s", key, status, code)
			}
		}
	})
	t.Run("size edited in the key", func(t *testing.T) {
		// The key is well formed and under alice's prefix, so the function signs for it; but OSS
		// binds the upload ID to the key it was initiated for, so the edited key names no upload.
		alice := alice
		alice.t = t
		u := alice.create("a.png", "", int64(len(small)))
		edited := u
		edited.Key = strings.Replace(u.Key, fmt.Sprintf("-%d.", len(small)), fmt.Sprintf("-%d.", 2*mpPartSize), 1)
		if edited.Key == u.Key {
			t.Fatalf("key %q does not carry the size %d", u.Key, len(small))
		}
		signed, length := alice.signPart(edited, 2) // a part number only the edited size allows
		if length != mpPartSize {
			t.Fatalf("edited key signed for %d bytes", length)
		}
		if status, code, _ := putRaw(t, signed, part); status != 404 || code != "NoSuchUpload" {
			t.Fatalf("part under the edited key: %d %s", status, code)
		}
		for _, p := range []struct{ method, suffix string }{{"GET", ""}, {"POST", "/complete"}} {
			var body any
			if p.method == "POST" {
				body = map[string]any{"parts": []mpPart{{PartNumber: 1, ETag: "x"}}}
			}
			if status, code := alice.call(p.method, edited.path(p.suffix), body, nil); status != 404 || code != "not_found" {
				t.Errorf("%s %s with the edited key: %d %s", p.method, p.suffix, status, code)
			}
		}
		alice.notStored(edited.Key)
		// The real key still works.
		if status, code, _ := alice.putPart(u, 1, small); status != 200 {
			t.Fatalf("part under the issued key: %d %s", status, code)
		}
		alice.must(http.MethodDelete, u.path(""), nil, nil)
	})
	t.Run("part of another length than its URL signs", func(t *testing.T) {
		alice := alice
		alice.t = t
		u := alice.create("a.png", "", int64(len(small)))
		if status, code, _ := alice.putPart(u, 1, small[:1000]); status != 403 || code != "SignatureDoesNotMatch" {
			t.Fatalf("got %d %s", status, code)
		}
		if status, code := alice.call(http.MethodGet, u.path("/1")+"&size=1000", nil, nil); status != 400 || code != "invalid_argument" {
			t.Fatalf("a size other than the part's: %d %s", status, code)
		}
	})
	t.Run("part number past the end", func(t *testing.T) {
		alice := alice
		alice.t = t
		u := alice.create("a.png", "", int64(mpPartSize+len(small))) // 2 parts
		for _, n := range []string{"0", "3", fmt.Sprint(mpMaxParts + 1), "10001", "x"} {
			if status, code := alice.call(http.MethodGet, u.path("/"+n), nil, nil); status != 400 || code != "invalid_argument" {
				t.Errorf("part %s: %d %s", n, status, code)
			}
		}
	})
	t.Run("parts not the ones listed", func(t *testing.T) {
		alice := alice
		alice.t = t
		data := append(append([]byte(nil), part...), small...)
		u := alice.create("a.png", "", int64(len(data)))
		parts := alice.uploadParts(u, data, 2)
		wrong := []mpPart{parts[0], {PartNumber: 2, ETag: "0123456789ABCDEF0123456789ABCDEF"}}
		if status, code := alice.complete(u, wrong); status != 400 || code != "invalid_argument" {
			t.Fatalf("wrong ETag: %d %s", status, code)
		}
		alice.notStored(u.Key)
		alice.aborted(u)

		u = alice.create("a.png", "", int64(len(data)))
		parts = alice.uploadParts(u, data, 2)
		if status, code := alice.complete(u, parts[:1]); status != 400 || code != "invalid_argument" {
			t.Fatalf("a part left out: %d %s", status, code)
		}
		alice.aborted(u)
	})
	t.Run("completed before every part is uploaded", func(t *testing.T) {
		// Refused but not aborted: the client may still upload the missing part.
		alice := alice
		alice.t = t
		data := append(append([]byte(nil), part...), small...)
		u := alice.create("a.png", "", int64(len(data)))
		status, code, etag := alice.putPart(u, 1, part)
		if status != 200 {
			t.Fatalf("part 1: %d %s", status, code)
		}
		parts := []mpPart{{PartNumber: 1, ETag: etag}}
		if status, code := alice.complete(u, parts); status != 400 || code != "invalid_argument" {
			t.Fatalf("one of two parts: %d %s", status, code)
		}
		alice.notStored(u.Key)
		status, code, etag = alice.putPart(u, 2, small)
		if status != 200 {
			t.Fatalf("part 2: %d %s", status, code)
		}
		if status, code := alice.complete(u, append(parts, mpPart{PartNumber: 2, ETag: etag})); status != 200 {
			t.Fatalf("both parts: %d %s", status, code)
		}
		if got, _, _ := s.OSS.Object(s.Bucket, u.Key); !bytes.Equal(got, data) {
			t.Fatal("stored bytes differ")
		}
	})
	t.Run("expired part URL", func(t *testing.T) {
		alice := alice
		alice.t = t
		u := alice.create("a.png", "", int64(len(small)))
		signed, _ := alice.signPart(u, 1)
		skew.Store(int64(11 * time.Minute))
		defer skew.Store(0)
		if status, code, _ := putRaw(t, signed, small); status != 403 || code != "AccessDenied" {
			t.Fatalf("got %d %s", status, code)
		}
	})
	t.Run("no user", func(t *testing.T) {
		anon := companion{t: t, base: s.OriginURL}
		if status, _ := anon.call(http.MethodPost, "/s3/multipart", map[string]any{"filename": "a.png", "size": 1}, nil); status != 401 {
			t.Fatalf("got %d", status)
		}
	})
}

// TestCompanionParams is Uppy's single upload: /s3/params answers a V4 POST policy for a form.
func TestCompanionParams(t *testing.T) {
	s := multipartStack(t)
	c := companion{t: t, base: s.OriginURL, user: "alice", stack: s}
	var p api.Params
	c.must(http.MethodGet, "/s3/params?filename=pic.png&type=image/png&metadata%5Bname%5D=pic.png", nil, &p)
	if p.Method != "POST" || !strings.HasPrefix(p.Fields["key"], "uploads/alice/") {
		t.Fatalf("params %+v", p)
	}
	data := []byte{42}
	if status, code := ossError(t, postForm(t, p.URL, fieldsOf(p.Fields), "pic.png", data)); status != 200 {
		t.Fatalf("upload: %d %s", status, code)
	}
	got, meta, err := s.OSS.Object(s.Bucket, p.Fields["key"])
	if err != nil || !bytes.Equal(got, data) || meta.ContentType != "image/png" {
		t.Fatalf("stored %q %q %v", got, meta.ContentType, err)
	}
	if status, code := ossError(t, postForm(t, p.URL, fieldsOf(p.Fields), "pic.png", data)); status != 409 || code != "FileAlreadyExists" {
		t.Fatalf("second upload: %d %s", status, code)
	}
}

// BenchmarkMultipart64MiB uploads 64 MiB through the local stack (function, presigned part URLs,
// local OSS) with 1 and with 4 parts in flight; compare the two (a ratio, not a wall-clock
// assertion): go test ./scripts/devstack -run '^$' -bench Multipart64MiB -benchtime 3x
func BenchmarkMultipart64MiB(b *testing.B) {
	s := multipartStack(b)
	data := make([]byte, mpMaxSize)
	for i := range data {
		data[i] = byte(i * 7)
	}
	for _, parallel := range []int{1, 4} {
		b.Run(fmt.Sprintf("parallel=%d", parallel), func(b *testing.B) {
			c := companion{t: b, base: s.OriginURL, user: "bench", stack: s}
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				u := c.create("bench.bin", "", int64(len(data)))
				parts := c.uploadParts(u, data, parallel)
				if status, code := c.complete(u, parts); status != 200 {
					b.Fatalf("complete: %d %s", status, code)
				}
			}
		})
	}
}

// TestCallbackMultipart: on the shared stack (callbacks on), completing a multipart upload makes
// OSS call the callback function, whose answer the complete route relays; one verified webhook.
func TestCallbackMultipart(t *testing.T) {
	data := pngOf(t, 12, 8)
	c := companion{t: t, base: stack.OriginURL}
	u := c.create("cb.png", "image/png", int64(len(data)))
	parts := c.uploadParts(u, data, 1)
	var done struct {
		Key      string       `json:"key"`
		Callback api.Uploaded `json:"callback"`
	}
	c.must(http.MethodPost, u.path("/complete"), map[string]any{"parts": parts}, &done)
	if done.Key != u.Key {
		t.Fatalf("completed %q, want %q", done.Key, u.Key)
	}
	checkAnswerValue(t, done.Callback, u.Key, int64(len(data)), 12, 8)
	stored(t, u.Key, data)
}
