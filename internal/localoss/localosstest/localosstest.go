// Package localosstest checks upload authorizations the way OSS would, at unit-test speed: it
// sends the upload an answer describes to a strict local OSS (localoss.Server on loopback, verifying
// signatures independently of shared/ossauth), checks the object is stored exactly as the answer
// says, and checks that a one-character change of each signed element is refused.
//
// Handler tests run each row of Cases through their real http.Handler and hand the answer to
// CheckPUT (presigned URLs) or CheckPOST (POST policies). The table is meant to grow: add a row to
// intents, dirs or endpoints and every signer is checked against it.
package localosstest

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/internal/localcred"
	"github.com/fc-oss-upload/fc-oss-upload/internal/localoss"
)

// Clock is a settable clock shared by the local OSS and the test.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Options configures a Stack.
type Options struct {
	Bucket string
	Region string // either form, "cn-hangzhou" or "oss-cn-hangzhou"
	// Keys are the AccessKeys the local OSS accepts (the signer's credentials).
	Keys []localcred.Key
	// Registry, when set, is where the local OSS looks keys up (shared with a fake STS that
	// registers the keys it issues); Keys are added to it.
	Registry *localcred.Registry
	// Cnames are custom domains bound to Bucket.
	Cnames []string
	Now    time.Time
}

// Stack is a local OSS reachable at any URL: its client dials the loopback server whatever host
// the URL names (https to a TLS listener, anything else to a plain one), so the URLs a signer
// returns are used unchanged.
type Stack struct {
	Server *localoss.Server
	Clock  *Clock
	Client *http.Client
	Bucket string
	// URL is the plain-HTTP address of the local OSS, for clients that take an endpoint and send
	// path-style requests with their own HTTP client (scripts/sdktest's SDK v2 tests).
	URL   string
	start time.Time // Options.Now
}

// New starts a local OSS for one test; it stops when the test ends.
func New(t testing.TB, o Options) *Stack {
	t.Helper()
	reg := o.Registry
	if reg == nil {
		reg = localcred.NewRegistry()
	}
	for _, k := range o.Keys {
		reg.Put(k)
	}
	clock := &Clock{t: o.Now}
	cnames := map[string]string{}
	for _, c := range o.Cnames {
		cnames[strings.ToLower(c)] = o.Bucket
	}
	srv, err := localoss.New(localoss.Options{Dir: t.TempDir(), Keys: reg, Buckets: []string{o.Bucket}, Region: o.Region, Now: clock.Now, Cnames: cnames})
	if err != nil {
		t.Fatal(err)
	}
	plain := httptest.NewServer(srv)
	t.Cleanup(plain.Close)
	secure := httptest.NewTLSServer(srv)
	t.Cleanup(secure.Close)
	dialer := &net.Dialer{}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			to := plain.Listener.Addr().String()
			if strings.HasSuffix(addr, ":443") {
				to = secure.Listener.Addr().String()
			}
			return dialer.DialContext(ctx, "tcp", to)
		},
		// The test certificate names neither OSS's hosts nor a custom domain; the connection is
		// loopback to the server above.
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &Stack{Server: srv, Clock: clock, Client: &http.Client{Transport: tr}, Bucket: o.Bucket, URL: plain.URL, start: o.Now}
}

// outcome is the local OSS's answer to one request.
type outcome struct {
	status  int
	code    string // OSS error code, "" on success
	message string // OSS error message, "" on success
}

func (o outcome) String() string {
	if o.code == "" {
		return http.StatusText(o.status)
	}
	return o.code
}

func (s *Stack) do(t testing.TB, req *http.Request) outcome {
	t.Helper()
	resp, err := s.Client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Redacted(), err)
	}
	defer resp.Body.Close()
	var body strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		body.Write(buf[:n])
		if err != nil {
			break
		}
	}
	o := outcome{status: resp.StatusCode}
	if resp.StatusCode >= 300 {
		o.code = between(body.String(), "<Code>", "</Code>")
		o.message = between(body.String(), "<Message>", "</Message>")
		if o.code == "" {
			o.code = "HTTP " + resp.Status
		}
	}
	return o
}

func between(s, a, b string) string {
	_, rest, ok := strings.Cut(s, a)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, b)
	return v
}

// keys returns the keys stored in the bucket.
func (s *Stack) keys(t testing.TB) []string {
	t.Helper()
	keys, err := s.Server.ListKeys(s.Bucket)
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// refused fails t unless the local OSS refused the request that had outcome o (what names it)
// and the bucket holds nothing.
func (s *Stack) refused(t testing.TB, what string, o outcome) {
	t.Helper()
	if o.status < 400 {
		t.Errorf("%s: accepted (%d), want refused", what, o.status)
	}
	if keys := s.keys(t); len(keys) != 0 {
		t.Fatalf("%s: stored %q", what, keys)
	}
}

// mutateOne changes the character at i of s (the last one when i is out of range) to another of
// the same kind where it can, so the result stays well-formed (hex stays hex, digits digits).
func mutateOne(s string, i int) string {
	r := []rune(s)
	if len(r) == 0 {
		return "x"
	}
	if i < 0 || i >= len(r) {
		i = len(r) - 1
	}
	switch c := r[i]; {
	case c >= '0' && c <= '8', c >= 'a' && c <= 'e', c >= 'A' && c <= 'Y':
		r[i] = c + 1
	case c == '9':
		r[i] = '0'
	case c == 'f':
		r[i] = 'a'
	case c >= 'g' && c <= 'z':
		r[i] = c - 1
	case c == 'Z':
		r[i] = 'A'
	default:
		r[i] = 'x'
	}
	return string(r)
}

// mutations returns one-character changes of s: at its first and its last character.
func mutations(s string) []string {
	if s == "" {
		return []string{"x"}
	}
	out := []string{mutateOne(s, len(s)-1)}
	if first := mutateOne(s, 0); first != out[0] {
		out = append(out, first)
	}
	return out
}
