package fcemu_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/scripts/fcemu"
)

// jsonPaths lists every object key path in a JSON document ("requestContext.http.method", ...).
func jsonPaths(t *testing.T, doc []byte) []string {
	t.Helper()
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatal(err)
	}
	var out []string
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		for k, child := range m {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			// headers and queryParameters are free-form maps: their keys are data, not shape.
			if p == "headers" || p == "queryParameters" {
				out = append(out, p)
				continue
			}
			out = append(out, p)
			walk(p, child)
		}
	}
	walk("", v)
	sort.Strings(out)
	return out
}

// TestEventShapeMatchesDocumentedExample compares the event's key structure with the example of the
// FC 3.0 HTTP trigger documentation (testdata/http_event_doc.json).
func TestEventShapeMatchesDocumentedExample(t *testing.T) {
	t.Parallel()
	h := start(t, nil)
	doc, err := os.ReadFile("testdata/http_event_doc.json")
	if err != nil {
		t.Fatal(err)
	}
	r := h.get(t, "/sts?filename=photo.png")
	var raw struct {
		Event json.RawMessage `json:"event"`
	}
	if err := json.Unmarshal(r.body, &raw); err != nil {
		t.Fatal(err)
	}
	got, want := strings.Join(jsonPaths(t, raw.Event), " "), strings.Join(jsonPaths(t, doc), " ")
	if got != want {
		t.Errorf("event keys\n got %s\nwant %s", got, want)
	}
}

func TestGETWithQueryAndMultiValues(t *testing.T) {
	t.Parallel()
	h := start(t, nil)
	req, _ := http.NewRequest(http.MethodGet, h.url+"/items/a%20b%2Fc?x=1&x=2&y=z%20w&empty=", nil)
	req.Header.Add("Accept", "application/json")
	req.Header.Add("Accept", "text/plain")
	req.Header.Set("User-Agent", "fcemu-test/1.0")
	r := h.do(t, req)
	e := decodeEcho(t, r)
	ev := e.Event
	if ev.Version != "v1" {
		t.Errorf("version %q", ev.Version)
	}
	if ev.RawPath != "/items/a%20b%2Fc" || ev.RequestContext.HTTP.Path != "/items/a b/c" {
		t.Errorf("rawPath %q path %q", ev.RawPath, ev.RequestContext.HTTP.Path)
	}
	wantQ := map[string]string{"x": "1,2", "y": "z w", "empty": ""}
	if fmt.Sprint(ev.QueryParameters) != fmt.Sprint(wantQ) {
		t.Errorf("queryParameters %v, want %v", ev.QueryParameters, wantQ)
	}
	if ev.Headers["Accept"] != "application/json,text/plain" {
		t.Errorf("Accept %q", ev.Headers["Accept"])
	}
	if ev.Body != "" || ev.IsBase64Encoded {
		t.Errorf("body %q base64 %v", ev.Body, ev.IsBase64Encoded)
	}
	rc := ev.RequestContext
	if rc.AccountID != fcemu.DefaultAccountID || rc.DomainName != "echo-abcdefgh.cn-hangzhou.fcapp.run" || rc.DomainPrefix != "echo-abcdefgh" {
		t.Errorf("requestContext %+v", rc)
	}
	if rc.HTTP.Method != "GET" || rc.HTTP.Protocol != "HTTP/1.1" || rc.HTTP.SourceIP != "127.0.0.1" || rc.HTTP.UserAgent != "fcemu-test/1.0" {
		t.Errorf("requestContext.http %+v", rc.HTTP)
	}
	if rc.Time != "2025-03-04T05:06:07Z" || rc.TimeEpoch != strconv.FormatInt(fixedNow.UnixMilli(), 10) {
		t.Errorf("time %q timeEpoch %q", rc.Time, rc.TimeEpoch)
	}
	id := r.header.Get("X-Fc-Request-Id")
	if id == "" || rc.RequestID != id || e.RequestID != id {
		t.Errorf("request ids: header %q event %q fccontext %q", id, rc.RequestID, e.RequestID)
	}
	if !e.HasDeadline {
		t.Error("handler context has no deadline")
	}
	if r.header.Get("X-Echo") != "yes" || r.header.Get("Content-Type") != "application/json" {
		t.Errorf("response headers %v", r.header)
	}
}

func TestPOSTBodies(t *testing.T) {
	t.Parallel()
	h := start(t, nil)
	binary := []byte{0x00, 0xff, 0xfe, 'a', 0x80}
	tests := []struct {
		name, contentType string
		body              []byte
		wantB64           bool
	}{
		{"json", "application/json", []byte(`{"dir":"uploads/","name":"中文 ~()"}`), false},
		{"form", "application/x-www-form-urlencoded", []byte("a=1&b=%20"), false},
		{"text utf8", "text/plain; charset=utf-8", []byte("héllo"), false},
		{"no content type", "", []byte("plain"), false},
		{"binary type with utf8 bytes", "application/octet-stream", []byte("looks like text"), true},
		{"image", "image/png", binary, true},
		{"text type with invalid utf8", "text/plain", binary, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequest(http.MethodPost, h.url+"/upload", bytes.NewReader(tc.body))
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			ev := decodeEcho(t, h.do(t, req)).Event
			if ev.IsBase64Encoded != tc.wantB64 {
				t.Fatalf("isBase64Encoded %v, want %v", ev.IsBase64Encoded, tc.wantB64)
			}
			got := []byte(ev.Body)
			if tc.wantB64 {
				var err error
				if got, err = base64.StdEncoding.DecodeString(ev.Body); err != nil {
					t.Fatal(err)
				}
			}
			if !bytes.Equal(got, tc.body) {
				t.Errorf("body %q, want %q", got, tc.body)
			}
			if ev.RequestContext.HTTP.Method != "POST" || ev.Headers["Content-Type"] != tc.contentType && tc.contentType != "" {
				t.Errorf("method %q content type %q", ev.RequestContext.HTTP.Method, ev.Headers["Content-Type"])
			}
		})
	}
}

func TestResponseMapping(t *testing.T) {
	t.Parallel()
	h := start(t, nil)
	r := h.get(t, "/status?code=418&h=teapot%20value")
	if r.status != 418 || r.header.Get("X-Custom") != "teapot value" || string(r.body) != "status 418" {
		t.Errorf("got %d %q %q", r.status, r.header.Get("X-Custom"), r.body)
	}
	r = h.get(t, "/binary")
	want := make([]byte, 256)
	for i := range want {
		want[i] = byte(i)
	}
	if r.status != 200 || !bytes.Equal(r.body, want) || r.header.Get("Content-Type") != "application/octet-stream" {
		t.Errorf("binary: %d %q %x", r.status, r.header.Get("Content-Type"), r.body)
	}
}

func TestBodyLimit(t *testing.T) {
	t.Parallel()
	h := start(t, func(o *fcemu.Options) { o.MaxBodyBytes = 1 << 10 })
	post := func(n int) reply {
		req, _ := http.NewRequest(http.MethodPost, h.url+"/big", bytes.NewReader(bytes.Repeat([]byte("a"), n)))
		req.Header.Set("Content-Type", "text/plain")
		return h.do(t, req)
	}
	if e := decodeError(t, post(1<<10+1), 413); e.ErrorType != "PayloadTooLarge" {
		t.Errorf("errorType %q", e.ErrorType)
	}
	if len(decodeEcho(t, post(1<<10)).Event.Body) != 1<<10 {
		t.Error("body at the limit not passed whole")
	}
}

// TestDefaultBodyLimit pins FC's 32 MiB request limit (TestBodyLimit exercises the mechanism with a
// small limit; sending 32 MiB under -race takes seconds).
func TestDefaultBodyLimit(t *testing.T) {
	if fcemu.DefaultMaxBodyBytes != 32<<20 {
		t.Errorf("DefaultMaxBodyBytes %d", fcemu.DefaultMaxBodyBytes)
	}
}

func TestFunctionErrorsAre502AndTheFunctionLivesOn(t *testing.T) {
	t.Parallel()
	h := start(t, nil)
	pid := h.fn.PID()
	for _, tc := range []struct{ path, message string }{
		{"/panic", "boom: the handler panicked"},
		{"/error", "handler failed on purpose"},
	} {
		r := h.get(t, tc.path)
		e := decodeError(t, r, 502)
		if e.ErrorMessage != tc.message || e.ErrorType == "" {
			t.Errorf("%s: %+v", tc.path, e)
		}
		if strings.Contains(string(r.body), "stackTrace") || strings.Contains(string(r.body), ".go") {
			t.Errorf("%s: body leaks a stack trace: %s", tc.path, r.body)
		}
		if r.header.Get("X-Fc-Error-Type") != "UnhandledInvocationError" {
			t.Errorf("%s: X-Fc-Error-Type %q", tc.path, r.header.Get("X-Fc-Error-Type"))
		}
		decodeEcho(t, h.get(t, "/after"+tc.path))
	}
	if h.fn.PID() != pid {
		t.Error("the process was replaced after a panic")
	}
}

func TestInvalidFunctionResponses(t *testing.T) {
	t.Parallel()
	h := start(t, nil)
	for _, path := range []string{"/null", "/badb64", "/status?code=0", "/status?code=600"} {
		if e := decodeError(t, h.get(t, path), 502); e.ErrorType != "InvalidFunctionResponse" {
			t.Errorf("%s: %+v", path, e)
		}
	}
}

func TestTimeoutIs504(t *testing.T) {
	t.Parallel()
	h := start(t, func(o *fcemu.Options) { o.Timeout = 300 * time.Millisecond })
	if e := decodeError(t, h.get(t, "/sleep"), 504); e.ErrorType != "FunctionTimeout" {
		t.Errorf("%+v", e)
	}
	e := decodeEcho(t, h.get(t, "/after"))
	if e.Function["timeout"] != "1" {
		t.Errorf("x-fc-function-timeout for 300ms: %q, want 1", e.Function["timeout"])
	}
}

func TestConcurrentRequests(t *testing.T) {
	t.Parallel()
	h := start(t, func(o *fcemu.Options) { o.Concurrency = 8 })
	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := fmt.Sprintf(`{"i":%d}`, i)
			resp, err := http.Post(fmt.Sprintf("%s/c/%d?i=%d", h.url, i, i), "application/json", strings.NewReader(body))
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			var e echoed
			if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || resp.StatusCode != 200 {
				errs <- fmt.Errorf("request %d: status %d, %v", i, resp.StatusCode, err)
				return
			}
			if e.Event.QueryParameters["i"] != strconv.Itoa(i) || e.Event.Body != body || e.Event.RawPath != fmt.Sprintf("/c/%d", i) ||
				e.RequestID != resp.Header.Get("X-Fc-Request-Id") {
				errs <- fmt.Errorf("request %d got someone else's answer: %+v", i, e.Event)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestCredentialsAndFunctionMetadataReachFcContext(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	h := start(t, func(o *fcemu.Options) {
		o.Credentials = func() (string, string, string) {
			n := calls.Add(1)
			return fmt.Sprintf("STS.role%d", n), "role-secret", "token+/=" + strconv.FormatInt(n, 10)
		}
		o.MemoryMB = 256
		o.Region = "cn-shanghai"
		o.AccountID = "5555"
		o.Handler = "bootstrap"
	})
	first := decodeEcho(t, h.get(t, "/one"))
	second := decodeEcho(t, h.get(t, "/two"))
	if first.Credentials["accessKeyId"] == second.Credentials["accessKeyId"] {
		t.Error("credentials are not asked per invocation")
	}
	c := second.Credentials
	if !strings.HasPrefix(c["accessKeyId"], "STS.role") || c["accessKeySecret"] != "role-secret" || !strings.HasPrefix(c["securityToken"], "token+/=") {
		t.Errorf("credentials %v", c)
	}
	f := second.Function
	if f["name"] != "echo" || f["handler"] != "bootstrap" || f["memory"] != "256" || f["timeout"] != "10" {
		t.Errorf("function %v", f)
	}
	if second.Region != "cn-shanghai" || second.AccountID != "5555" || second.Event.RequestContext.AccountID != "5555" {
		t.Errorf("region %q account %q", second.Region, second.AccountID)
	}
	if strings.Contains(h.logs.String(), "role-secret") || strings.Contains(h.logs.String(), "token+/=") {
		t.Error("logs contain credentials")
	}
}

func TestAuthorizeHook(t *testing.T) {
	t.Parallel()
	var invoked atomic.Int64
	h := start(t, func(o *fcemu.Options) {
		o.Credentials = func() (string, string, string) { invoked.Add(1); return "a", "b", "c" }
		o.Authorize = func(r *http.Request) (map[string]string, error) {
			if r.Header.Get("Authorization") != "Bearer good" {
				return nil, errors.New("invalid token")
			}
			return map[string]string{"x-jwt-sub": "user-1", "X-Spoofed": "from-claim"}, nil
		}
	})
	req, _ := http.NewRequest(http.MethodGet, h.url+"/p", nil)
	req.Header.Set("Authorization", "Bearer bad")
	if e := decodeError(t, h.do(t, req), 401); e.ErrorType != "Unauthorized" {
		t.Errorf("%+v", e)
	}
	if invoked.Load() != 0 {
		t.Error("the function was invoked for a rejected request")
	}
	req, _ = http.NewRequest(http.MethodGet, h.url+"/p", nil)
	req.Header.Set("Authorization", "Bearer good")
	req.Header.Set("X-Spoofed", "from-client")
	ev := decodeEcho(t, h.do(t, req)).Event
	if ev.Headers["x-jwt-sub"] != "user-1" || ev.Headers["X-Spoofed"] != "from-claim" {
		t.Errorf("claim headers %v", ev.Headers)
	}
}

func TestLogsHoldNoSecrets(t *testing.T) {
	t.Parallel()
	h := start(t, func(o *fcemu.Options) {
		o.Credentials = func() (string, string, string) { return "AKID", "SECRETSK", "SECRETTOKEN" }
	})
	req, _ := http.NewRequest(http.MethodPost, h.url+"/upload?signature=SECRETSIG", strings.NewReader("SECRETBODY"))
	req.Header.Set("Authorization", "Bearer SECRETJWT")
	decodeEcho(t, h.do(t, req))
	decodeError(t, h.get(t, "/error?x-oss-signature=SECRETSIG2"), 502)
	logs := h.logs.String()
	for _, s := range []string{"SECRETSK", "SECRETTOKEN", "SECRETSIG", "SECRETBODY", "SECRETJWT"} {
		if strings.Contains(logs, s) {
			t.Errorf("logs contain %s", s)
		}
	}
	if strings.Count(logs, `"msg":"invocation"`) != 2 || !strings.Contains(logs, `"status":502`) || !strings.Contains(logs, `"path":"/upload"`) {
		t.Errorf("want one access line per request with status and path:\n%s", logs)
	}
}
