package loadtest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/scripts/devstack"
	"github.com/fc-oss-upload/fc-oss-upload/shared/api"
)

// bins are the handler binaries built once with -race for every stack of this package.
var bins map[string]string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "fc-oss-upload-race-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if bins, err = devstack.Build(ctx, dir, true); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// long reports whether the long versions run (scripts/test --long sets LONG_TESTS=1).
func long() bool { return os.Getenv("LONG_TESTS") == "1" }

// syncBuffer is an io.Writer many goroutines (the children's stdout and stderr copiers, slog
// handlers) may write to at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// stack is a running local stack with everything it and its functions print.
type stack struct {
	*devstack.Stack
	out  *syncBuffer // the functions' stdout and stderr
	logs *syncBuffer // the stack's own logs (fcemu, fake STS, local OSS)
}

// startStack starts a local stack on the race-built binaries; it is closed when t ends, and then
// the children's output is checked for data races.
func startStack(t *testing.T, env map[string]string) *stack {
	t.Helper()
	return startStackAuth(t, env, false)
}

// startStackAuth is startStack, with per-user mode on against a local issuer when auth is set.
func startStackAuth(t *testing.T, env map[string]string, auth bool) *stack {
	t.Helper()
	s := &stack{out: &syncBuffer{}, logs: &syncBuffer{}}
	var err error
	s.Stack, err = devstack.Start(context.Background(), devstack.Options{
		Bins:           bins,
		Env:            env,
		Callbacks:      env["WEBHOOK_URL"] != "", // the log-secrets test follows an upload to its webhook
		Auth:           auth,
		FunctionOutput: s.out,
		Logger:         slog.New(slog.NewJSONHandler(s.logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Close()
		noRace(t, s.out.String())
	})
	return s
}

// bearer returns the Authorization header of a token the stack's issuer mints for user.
func (s *stack) bearer(t *testing.T, user string) map[string]string {
	t.Helper()
	tok, err := s.Issuer.Mint(user)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"Authorization": "Bearer " + tok}
}

// noRace fails t if a race-built child reported a data race (or crashed).
func noRace(t *testing.T, out string) {
	t.Helper()
	if i := strings.Index(out, "WARNING: DATA RACE"); i >= 0 {
		t.Errorf("a function reported a data race:\n%s", out[i:min(len(out), i+6000)])
	}
	for _, crash := range []string{"panic: ", "fatal error: "} {
		if i := strings.Index(out, crash); i >= 0 {
			t.Errorf("a function crashed:\n%s", out[i:min(len(out), i+4000)])
		}
	}
}

// client is an HTTP client sized for hundreds of concurrent requests on loopback.
func newClient(conns int) *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns,
			IdleConnTimeout: 30 * time.Second,
		},
	}
}

// answer is one HTTP answer, read whole.
type answer struct {
	Status int
	Header http.Header
	Body   []byte
}

func (a answer) String() string { return fmt.Sprintf("%d %s", a.Status, a.Body) }

// get sends GET base+path with headers and reads the answer.
func get(c *http.Client, base, path string, headers map[string]string) (answer, error) {
	req, err := http.NewRequest(http.MethodGet, base+path, nil)
	if err != nil {
		return answer{}, err
	}
	req.Header.Set("Accept", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return do(c, req)
}

func do(c *http.Client, req *http.Request) (answer, error) {
	resp, err := c.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return answer{Status: resp.StatusCode, Header: resp.Header, Body: body}, err
}

type errorBody = api.Error

func errorCode(a answer) string {
	var e errorBody
	if json.Unmarshal(a.Body, &e) != nil {
		return ""
	}
	return e.Error.Code
}

// The answers of the three functions (the fields the tests look at).
type stsToken = api.Token

type postSignature = api.PostPolicy

type presigned = api.PresignedPut

// putPresigned uploads data with a presigned URL and its headers.
func putPresigned(c *http.Client, p presigned, data []byte) (answer, error) {
	req, err := http.NewRequest(http.MethodPut, p.URL, bytes.NewReader(data))
	if err != nil {
		return answer{}, err
	}
	for k, v := range p.Headers {
		if strings.EqualFold(k, "Content-Length") {
			continue // the transport sends the body's length
		}
		req.Header.Set(k, v)
	}
	return do(c, req)
}

// postObject uploads data with a POST policy's fields, the file last.
func postObject(c *http.Client, s postSignature, filename string, data []byte) (answer, error) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, v := range s.Fields {
		w.WriteField(k, v)
	}
	fw, _ := w.CreateFormFile("file", filename)
	fw.Write(data)
	w.Close()
	req, err := http.NewRequest(http.MethodPost, s.Host, &b)
	if err != nil {
		return answer{}, err
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	return do(c, req)
}

// rssKB returns VmRSS of a process in KiB.
func rssKB(pid int) (int64, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("no VmRSS for pid %d", pid)
}
