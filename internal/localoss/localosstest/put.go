package localosstest

import (
	"bytes"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// PUT is a presigned-URL answer: send Method to URL with exactly Headers.
type PUT struct {
	URL     string
	Method  string
	Headers map[string]string
	Key     string
	Expire  int64 // unix seconds
}

// Want is what an answer must allow, from the case, not from the answer.
type Want struct {
	Prefix      string // every key lives under it
	ContentType string // the type the answer must bind; "" for none
	Size        int64  // the exact size the answer must bind, or -1
	MaxSize     int64  // the configured limit
	// ForbidOverwrite: the answer must refuse to replace an existing object.
	ForbidOverwrite bool
}

func (w Want) body() []byte {
	n := w.Size
	if n < 0 {
		n = 100
	}
	return bytes.Repeat([]byte("u"), int(n))
}

// put sends a PUT as the answer says, with headers (Content-Length taken from body).
func (s *Stack) put(t testing.TB, method, rawURL string, headers map[string]string, body []byte) outcome {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, bytes.NewReader(body))
	if err != nil {
		t.Fatalf("answer URL: %v", err)
	}
	for k, v := range headers {
		if strings.EqualFold(k, "Content-Length") {
			continue // the transport sends len(body)
		}
		req.Header.Set(k, v)
	}
	return s.do(t, req)
}

// Send sends a request to the local OSS as a client would (the headers as given, Content-Length
// from body) and returns the status and, for a refusal, OSS's error code and message.
func (s *Stack) Send(t testing.TB, method, rawURL string, headers map[string]string, body []byte) (status int, code, message string) {
	t.Helper()
	o := s.put(t, method, rawURL, headers, body)
	return o.status, o.code, o.message
}

// CheckPUT uploads as the answer says and checks the local OSS stores exactly that object; before
// that, it checks that each one-character change of the URL's parameters, of the key in its path,
// of each header, a different size or type, another method and a late upload are all refused and
// store nothing.
func (s *Stack) CheckPUT(t testing.TB, a PUT, w Want) {
	t.Helper()
	if a.Method != http.MethodPut {
		t.Fatalf("answer method %q, want PUT", a.Method)
	}
	if !strings.HasPrefix(a.Key, w.Prefix) || len(a.Key) == len(w.Prefix) {
		t.Fatalf("answer key %q is not a name under %q", a.Key, w.Prefix)
	}
	u, err := url.Parse(a.URL)
	if err != nil {
		t.Fatalf("answer URL: %v", err)
	}
	if !strings.HasSuffix(u.Path, "/"+a.Key) {
		t.Fatalf("the URL's path %q does not carry the answer's key %q", u.Path, a.Key)
	}
	if got := a.Headers["Content-Type"]; got != w.ContentType {
		t.Errorf("answer Content-Type %q, want %q", got, w.ContentType)
	}
	if w.ForbidOverwrite != (a.Headers["x-oss-forbid-overwrite"] == "true") {
		t.Errorf("answer x-oss-forbid-overwrite %q, want it only when overwriting is forbidden (%v)", a.Headers["x-oss-forbid-overwrite"], w.ForbidOverwrite)
	}
	body := w.body()
	if cl, ok := a.Headers["Content-Length"]; ok != (w.Size >= 0) || ok && cl != strconv.FormatInt(w.Size, 10) {
		t.Errorf("answer Content-Length %q (given: %v), want the size %d when one is asked for", cl, ok, w.Size)
	}

	withQuery := func(q url.Values) string {
		v := *u
		v.RawQuery = q.Encode()
		return v.String()
	}
	q := u.Query()
	for _, name := range slices.Sorted(maps.Keys(q)) {
		for _, m := range mutations(q.Get(name)) {
			mq := url.Values{}
			for k, vs := range q {
				mq[k] = vs
			}
			mq[name] = []string{m}
			s.refused(t, "URL parameter "+name+" changed to "+m, s.put(t, a.Method, withQuery(mq), a.Headers, body))
		}
		mq := url.Values{}
		for k, vs := range q {
			if k != name {
				mq[k] = vs
			}
		}
		s.refused(t, "URL parameter "+name+" left out", s.put(t, a.Method, withQuery(mq), a.Headers, body))
	}
	for _, m := range mutations(a.Key) {
		v := *u
		v.Path = strings.TrimSuffix(u.Path, a.Key) + m
		v.RawPath = ""
		s.refused(t, "key in the path changed to "+m, s.put(t, a.Method, v.String(), a.Headers, body))
	}
	for _, name := range slices.Sorted(maps.Keys(a.Headers)) {
		if strings.EqualFold(name, "Content-Length") {
			continue // below: a body of another size
		}
		for _, m := range mutations(a.Headers[name]) {
			h := copyMap(a.Headers)
			h[name] = m
			s.refused(t, "header "+name+" changed to "+m, s.put(t, a.Method, a.URL, h, body))
		}
		h := copyMap(a.Headers)
		delete(h, name)
		s.refused(t, "header "+name+" left out", s.put(t, a.Method, a.URL, h, body))
	}
	if w.ContentType != "" {
		h := copyMap(a.Headers)
		h["Content-Type"] = "text/html"
		s.refused(t, "another Content-Type", s.put(t, a.Method, a.URL, h, body))
	}
	if w.Size >= 0 {
		s.refused(t, "one byte more than the size", s.put(t, a.Method, a.URL, a.Headers, append(body, 'x')))
		if w.Size > 0 {
			s.refused(t, "one byte less than the size", s.put(t, a.Method, a.URL, a.Headers, body[1:]))
		}
	}
	// The method is signed; a GET also lacks a signed Content-Length, which OSS refuses first.
	if o := s.put(t, http.MethodGet, a.URL, a.Headers, nil); o.code != "SignatureDoesNotMatch" && (w.Size < 0 || o.code != "AccessDenied") {
		t.Errorf("GET with the PUT URL: %s, want SignatureDoesNotMatch (or AccessDenied for the missing Content-Length)", o)
	}
	s.Clock.Set(time.Unix(a.Expire+1, 0))
	s.refused(t, "a second after the answer's expiry", s.put(t, a.Method, a.URL, a.Headers, body))
	s.Clock.Set(s.start)

	if o := s.put(t, a.Method, a.URL, a.Headers, body); o.status != http.StatusOK {
		t.Fatalf("upload as the answer says: %d %s", o.status, o)
	}
	s.checkStored(t, a.Key, body, w.ContentType)
	o := s.put(t, a.Method, a.URL, a.Headers, body)
	if w.ForbidOverwrite && o.code != "FileAlreadyExists" {
		t.Errorf("second upload with overwriting forbidden: %s, want FileAlreadyExists", o)
	}
	if !w.ForbidOverwrite && o.status != http.StatusOK {
		t.Errorf("second upload with overwriting allowed: %s", o)
	}
}

// checkStored checks the bucket holds exactly key, with body and (when not "") contentType.
func (s *Stack) checkStored(t testing.TB, key string, body []byte, contentType string) {
	t.Helper()
	if keys := s.keys(t); len(keys) != 1 || keys[0] != key {
		t.Fatalf("stored %q, want exactly %q", keys, key)
	}
	got, meta, err := s.Server.Object(s.Bucket, key)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, body) {
		t.Errorf("stored %d bytes, want the %d sent", len(got), len(body))
	}
	if contentType != "" && meta.ContentType != contentType {
		t.Errorf("stored Content-Type %q, want %q", meta.ContentType, contentType)
	}
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
