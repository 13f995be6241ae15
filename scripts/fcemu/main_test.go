package fcemu_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/scripts/fcemu"
)

// echoBinary is the testdata/echo handler, built once by TestMain.
var echoBinary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "fcemu-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	echoBinary = filepath.Join(dir, "echo")
	build := exec.Command("go", "build", "-o", echoBinary, "./testdata/echo")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building testdata/echo:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// fixedNow is the emulator clock in tests: it stamps events and request ids only.
var fixedNow = time.Date(2025, 3, 4, 5, 6, 7, 890_000_000, time.UTC)

// syncBuffer is a goroutine-safe log sink.
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

type harness struct {
	fn   *fcemu.Function
	url  string
	logs *syncBuffer
}

func start(t *testing.T, mutate func(*fcemu.Options)) *harness {
	t.Helper()
	logs := &syncBuffer{}
	opts := fcemu.Options{
		Binary:       echoBinary,
		FunctionName: "echo",
		Now:          func() time.Time { return fixedNow },
		Logger:       slog.New(slog.NewJSONHandler(logs, nil)),
		Stdout:       logs,
		Stderr:       logs,
		DomainName:   "echo-abcdefgh.cn-hangzhou.fcapp.run",
	}
	if mutate != nil {
		mutate(&opts)
	}
	fn, err := fcemu.Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(fn)
	t.Cleanup(func() {
		srv.Close()
		if err := fn.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return &harness{fn: fn, url: srv.URL, logs: logs}
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (h *harness) do(t *testing.T, req *http.Request) reply {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{resp.StatusCode, resp.Header, body}
}

func (h *harness) get(t *testing.T, pathAndQuery string) reply {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, h.url+pathAndQuery, nil)
	if err != nil {
		t.Fatal(err)
	}
	return h.do(t, req)
}

// echoed is what testdata/echo answers by default.
type echoed struct {
	Event       event             `json:"event"`
	RequestID   string            `json:"requestId"`
	Credentials map[string]string `json:"credentials"`
	Function    map[string]string `json:"function"`
	Region      string            `json:"region"`
	AccountID   string            `json:"accountId"`
	HasDeadline bool              `json:"hasDeadline"`
	Env         map[string]string `json:"env"`
	Initialized bool              `json:"initialized"`
}

// event is the documented HTTP trigger event, decoded independently of the SDK types.
type event struct {
	Version         string            `json:"version"`
	RawPath         string            `json:"rawPath"`
	Body            string            `json:"body"`
	IsBase64Encoded bool              `json:"isBase64Encoded"`
	Headers         map[string]string `json:"headers"`
	QueryParameters map[string]string `json:"queryParameters"`
	RequestContext  struct {
		AccountID    string `json:"accountId"`
		DomainName   string `json:"domainName"`
		DomainPrefix string `json:"domainPrefix"`
		HTTP         struct {
			Method    string `json:"method"`
			Path      string `json:"path"`
			Protocol  string `json:"protocol"`
			SourceIP  string `json:"sourceIp"`
			UserAgent string `json:"userAgent"`
		} `json:"http"`
		RequestID string `json:"requestId"`
		Time      string `json:"time"`
		TimeEpoch string `json:"timeEpoch"`
	} `json:"requestContext"`
}

func decodeEcho(t *testing.T, r reply) echoed {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var e echoed
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("echo body: %v: %s", err, r.body)
	}
	return e
}

type errorReply struct {
	ErrorType    string `json:"errorType"`
	ErrorMessage string `json:"errorMessage"`
	RequestID    string `json:"requestId"`
}

func decodeError(t *testing.T, r reply, status int) errorReply {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	var e errorReply
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("error body: %v: %s", err, r.body)
	}
	if e.RequestID == "" || e.RequestID != r.header.Get("X-Fc-Request-Id") {
		t.Errorf("error requestId %q, header %q", e.RequestID, r.header.Get("X-Fc-Request-Id"))
	}
	return e
}
