package fcweb

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestEventLimitTransport: the runtime API's GET .../invocation/next answer is read up to the limit;
// a larger one (with or without Content-Length) becomes the too-large mark with its size; other
// requests and small events pass untouched.
func TestEventLimitTransport(t *testing.T) {
	t.Parallel()
	const max = 1000
	big := strings.Repeat("x", 5000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := big
		if r.URL.Query().Get("small") != "" {
			body = `{"small":true}`
		}
		if r.URL.Query().Get("chunked") != "" {
			w.(http.Flusher).Flush() // no Content-Length
		}
		io.WriteString(w, body)
	}))
	defer srv.Close()
	// Installed as the go1 entry installs it on http.DefaultTransport, and used by a client with
	// no Transport of its own, as the SDK's runtime API client is.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	limitEvents(tr, max)
	c := &http.Client{Transport: tr}
	get := func(path string) []byte {
		t.Helper()
		resp, err := c.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return b
	}
	const next = "/2020-11-11/runtime/invocation/next"
	for _, q := range []string{"", "?chunked=1"} {
		if got, want := get(next+q), append(append([]byte{}, tooLargeMark...), "5000"...); !bytes.Equal(got, want) {
			t.Errorf("next%s: %q; want %q", q, got, want)
		}
	}
	if got := get(next + "?small=1"); string(got) != `{"small":true}` {
		t.Errorf("small event: %q", got)
	}
	if got := get("/2020-11-11/runtime/invocation/id/response"); len(got) != 5000 {
		t.Errorf("another path: %d bytes; want 5000 untouched", len(got))
	}
	// What credentials-go does with http.DefaultTransport (credentials/internal/http/http.go):
	// the limited transport is still an *http.Transport, and a clone of it sends every request,
	// the runtime API's included, untouched.
	var rt http.RoundTripper = tr
	clone := rt.(*http.Transport).Clone()
	c = &http.Client{Transport: clone}
	if got := get(next); len(got) != 5000 {
		t.Errorf("through a clone: %d bytes; want 5000 untouched", len(got))
	}
}

// TestInvokeBytes: the mark and an oversized payload are answered 413 without decoding; bad JSON
// 400; a real event reaches the handler.
func TestInvokeBytes(t *testing.T) {
	t.Parallel()
	var served int
	a := Adapter{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served++
		w.WriteHeader(http.StatusNoContent)
	})}
	ok, _ := json.Marshal(event("GET", "/x", "", false, nil, nil))
	for _, c := range []struct {
		name    string
		payload []byte
		status  int
		code    string
	}{
		{"mark", append(append([]byte{}, tooLargeMark...), "45000000"...), 413, "payload_too_large"},
		{"over MaxEventBytes", append(append([]byte{}, ok[:len(ok)-1]...), (`,"x":"` + strings.Repeat("a", maxEventBytes) + `"}`)...), 413, "payload_too_large"},
		{"not JSON", []byte("{"), 400, "invalid_argument"},
		{"event", ok, 204, ""},
	} {
		served = 0
		resp, err := a.invokeBytes(context.Background(), c.payload)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if resp.StatusCode != c.status || !strings.Contains(resp.Body, c.code) {
			t.Errorf("%s: %d %.200s; want %d %s", c.name, resp.StatusCode, resp.Body, c.status, c.code)
		}
		if want := btoi(c.status == 204); served != want {
			t.Errorf("%s: handler ran %d times; want %d", c.name, served, want)
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
