package localoss

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/internal/localcred"
)

const (
	testBucket = "test-bucket"
	testRegion = "cn-hangzhou"
	testAK     = "LTAItestkey"
	testSK     = "test/secret+key=="
	stsAK      = "STS.testkey"
	stsSK      = "sts-secret"
	stsToken   = "CAIS+token/with=chars"
)

// testKey is the awkward object key of the conformance table: + / % space 中文 ~ ( ).
const testKey = "dir/中文 a+b~(1) 100%.png"

type testEnv struct {
	clock *fixedClock
	srv   *Server
	http  *httptest.Server
	keys  *localcred.Registry
	dir   string
}

// newTestEnv starts a Server with a permanent key and an STS key, clock fixed at now.
func newTestEnv(t *testing.T, now time.Time, mutate ...func(*Options)) *testEnv {
	t.Helper()
	clock := &fixedClock{t: now}
	reg := localcred.NewRegistry()
	reg.Put(localcred.Key{AccessKeyID: testAK, AccessKeySecret: testSK})
	reg.Put(localcred.Key{AccessKeyID: stsAK, AccessKeySecret: stsSK, SecurityToken: stsToken, Expiration: now.Add(time.Hour)})
	opts := Options{
		Dir:     t.TempDir(),
		Keys:    reg,
		Buckets: []string{testBucket},
		Region:  testRegion,
		Now:     clock.Now,
	}
	for _, m := range mutate {
		m(&opts)
	}
	srv, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &testEnv{clock: clock, srv: srv, http: ts, keys: reg, dir: opts.Dir}
}

// ossErrorBody is the XML error body as a client parses it.
type ossErrorBody struct {
	Code      string `xml:"Code"`
	Message   string `xml:"Message"`
	RequestID string `xml:"RequestId"`
}

// do sends req and returns status, OSS error code ("" on success) and body.
func do(t *testing.T, req *http.Request) (int, string, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode < 300 {
		return resp.StatusCode, "", body
	}
	var e ossErrorBody
	if len(body) > 0 {
		if err := xml.Unmarshal(body, &e); err != nil {
			t.Fatalf("status %d with non-XML body %q", resp.StatusCode, body)
		}
		if e.RequestID == "" || e.RequestID != resp.Header.Get("x-oss-request-id") {
			t.Errorf("error body RequestId %q, header %q", e.RequestID, resp.Header.Get("x-oss-request-id"))
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/xml" {
			t.Errorf("error Content-Type = %q", ct)
		}
	}
	return resp.StatusCode, e.Code, body
}

func mustObject(t *testing.T, s *Server, bucket, key string, want []byte) ObjectMeta {
	t.Helper()
	got, meta, err := s.Object(bucket, key)
	if err != nil {
		t.Fatalf("Object(%q): %v", key, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Object(%q) = %d bytes, want %d", key, len(got), len(want))
	}
	return meta
}

// fixedClock is a clock that only moves when a test sets it.
type fixedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fixedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fixedClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// send makes a request with the given headers and body.
func send(t *testing.T, method, u string, headers map[string]string, body []byte) (int, string, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return do(t, req)
}
