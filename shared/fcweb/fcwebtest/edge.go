package fcwebtest

import (
	"net/http"
	"strings"
	"testing"

	"github.com/fc-oss-upload/fc-oss-upload/shared/api"
	"github.com/fc-oss-upload/fc-oss-upload/shared/ossauth"
	"github.com/fc-oss-upload/fc-oss-upload/shared/upload"
)

// Edge describes the front every function shares (fcweb.New): its demo page, its one API
// route, CORS for an allowed origin and refusals for everything else.
type Edge struct {
	// APIPath is the function's API route, e.g. "/get_sts_token_for_oss_upload".
	APIPath string
	// AllowedOrigin is an origin in the handler's CORS_ALLOWED_ORIGINS.
	AllowedOrigin string
	// Creds are the invocation credentials FC would pass.
	Creds ossauth.Credentials
}

// CheckEdge runs the edge requests every function must answer the same way through h: the demo
// page, an unknown route, a wrong method, a preflight from the allowed origin, and a call and a
// preflight from a foreign origin. None of them may reach the function's signing.
func CheckEdge(t *testing.T, h http.Handler, e Edge) {
	t.Helper()
	const foreign = "https://evil.example.net"
	run := func(r Request) Response { t.Helper(); return Invoke(t, h, Event(r), e.Creds) }
	refusal := func(what string, r Response, status int, code upload.Code) {
		t.Helper()
		var body api.Error
		r.JSON(t, &body)
		if r.Status != status || body.Error.Code != string(code) {
			t.Errorf("%s: %d %s, want %d %s", what, r.Status, r.Body, status, code)
		}
		if body.Error.Message == "" || body.Error.RequestID == "" {
			t.Errorf("%s: the error says nothing or has no request ID: %s", what, r.Body)
		}
		if got := r.Headers.Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("%s: Access-Control-Allow-Origin %q on a refusal", what, got)
		}
	}

	r := run(Request{Path: "/"})
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Headers.Get("Content-Type"), "text/html") || !strings.Contains(string(r.Body), "<html") {
		t.Errorf("demo page: %d %q", r.Status, r.Headers.Get("Content-Type"))
	}
	refusal("unknown route", run(Request{Path: "/admin"}), http.StatusNotFound, "not_found")
	refusal("PUT on the API", run(Request{Method: http.MethodPut, Path: e.APIPath}), http.StatusMethodNotAllowed, "method_not_allowed")
	refusal("call from a foreign origin", run(Request{Path: e.APIPath, Headers: map[string]string{"Origin": foreign}}), http.StatusForbidden, "permission_denied")
	refusal("preflight from a foreign origin", run(Request{Method: http.MethodOptions, Path: e.APIPath,
		Headers: map[string]string{"Origin": foreign, "Access-Control-Request-Method": "GET"}}), http.StatusForbidden, "permission_denied")

	r = run(Request{Method: http.MethodOptions, Path: e.APIPath,
		Headers: map[string]string{"Origin": e.AllowedOrigin, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "content-type"}})
	if r.Status != http.StatusNoContent || r.Headers.Get("Access-Control-Allow-Origin") != e.AllowedOrigin ||
		!strings.Contains(r.Headers.Get("Access-Control-Allow-Methods"), "GET") || !strings.Contains(r.Headers.Get("Vary"), "Origin") {
		t.Errorf("preflight from the allowed origin: %d %v", r.Status, r.Headers)
	}
}
