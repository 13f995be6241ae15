package fcweb

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestCustomTakesFCHeaders: the custom runtime entry hands the handler the role credentials and
// request id FC sends as headers, the way the go1 entry hands over the SDK context's, with a
// deadline; the handler never sees an x-fc-* header.
func TestCustomTakesFCHeaders(t *testing.T) {
	t.Parallel()
	var seen *http.Request
	h := customEntry(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = r }), 7*time.Second)
	req := httptest.NewRequest(http.MethodGet, "/get_sts_token_for_oss_upload", nil)
	req.Header.Set("x-fc-request-id", "req-1")
	req.Header.Set("x-fc-access-key-id", "STS.id")
	req.Header.Set("x-fc-access-key-secret", "secret")
	req.Header.Set("x-fc-security-token", "token")
	req.Header.Set("x-fc-function-name", "sts")
	req.Header.Set("Origin", "https://app.example")
	h.ServeHTTP(httptest.NewRecorder(), req)
	if seen == nil {
		t.Fatal("handler not called")
	}
	c, ok := Credentials(seen.Context())
	if !ok || c.AccessKeyID != "STS.id" || c.AccessKeySecret != "secret" || c.SecurityToken != "token" {
		t.Errorf("credentials %+v, %v", c, ok)
	}
	if id := requestIDOf(seen.Context()); id != "req-1" {
		t.Errorf("request id %q", id)
	}
	if _, ok := seen.Context().Deadline(); !ok {
		t.Error("no deadline")
	}
	for k := range seen.Header {
		if len(k) > 5 && http.CanonicalHeaderKey(k[:5]) == "X-Fc-" {
			t.Errorf("handler sees %s", k)
		}
	}
	if seen.Header.Get("Origin") != "https://app.example" {
		t.Error("other headers lost")
	}

	// Without credential headers the handler gets none from the request (rolecred falls back to the
	// environment FC also sets).
	req = httptest.NewRequest(http.MethodGet, "/", nil)
	h.ServeHTTP(httptest.NewRecorder(), req)
	if _, ok := Credentials(seen.Context()); ok {
		t.Error("credentials without headers")
	}
}
