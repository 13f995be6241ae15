// Package fcwebtest runs handlers on HTTP trigger event fixtures the way FC does, for tests.
package fcwebtest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/aliyun/fc-runtime-go-sdk/events"
	"github.com/aliyun/fc-runtime-go-sdk/fccontext"

	"github.com/fc-oss-upload/fc-oss-upload/internal/localidp"
	"github.com/fc-oss-upload/fc-oss-upload/shared/api"
	"github.com/fc-oss-upload/fc-oss-upload/shared/fcweb"
	"github.com/fc-oss-upload/fc-oss-upload/shared/ossauth"
	"github.com/fc-oss-upload/fc-oss-upload/shared/userauth"
)

// Response is a decoded trigger response.
type Response struct {
	Status  int
	Headers http.Header
	Body    []byte
}

// JSON decodes the body into v, failing the test if it is not JSON.
func (r Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("body is not JSON (%v): %s", err, r.Body)
	}
}

// ErrorCode returns the code of a JSON error body, or "".
func (r Response) ErrorCode(t testing.TB) string {
	var b api.Error
	r.JSON(t, &b)
	return b.Error.Code
}

// Fixture reads an HTTP trigger event from a JSON file.
func Fixture(t testing.TB, path string) events.HTTPTriggerEvent {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var ev events.HTTPTriggerEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return ev
}

// Invoke runs h on ev through fcweb.Adapter with the given invocation credentials, the way the FC
// runtime does (the event and the response go through JSON).
func Invoke(t testing.TB, h http.Handler, ev events.HTTPTriggerEvent, creds ossauth.Credentials) Response {
	t.Helper()
	raw, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	var decoded events.HTTPTriggerEvent
	if err := json.Unmarshal(raw, &decoded); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fc := &fccontext.FcContext{RequestID: "test-request-id"}
	fc.Credentials.AccessKeyId, fc.Credentials.AccessKeySecret, fc.Credentials.SecurityToken = creds.AccessKeyID, creds.AccessKeySecret, creds.SecurityToken
	resp, err := fcweb.Adapter{Handler: h}.Invoke(fccontext.NewContext(ctx, fc), decoded)
	if err != nil {
		t.Fatalf("Invoke returned an error: %v", err)
	}
	out, err := json.Marshal(resp)
	if err != nil {
		t.Fatal(err)
	}
	var back events.HTTPTriggerResponse
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	r := Response{Status: back.StatusCode, Headers: http.Header{}}
	for k, v := range back.Headers {
		r.Headers.Set(k, v)
	}
	r.Body = []byte(back.Body)
	if back.IsBase64Encoded {
		if r.Body, err = base64.StdEncoding.DecodeString(back.Body); err != nil {
			t.Fatalf("response body marked base64 is not: %v", err)
		}
	}
	return r
}

// Request is what a test sends through an HTTP trigger.
type Request struct {
	Method  string            // default GET
	Path    string            // the function's route, e.g. "/get_sts_token_for_oss_upload"
	Query   map[string]string // queryParameters
	Headers map[string]string
	Body    string // sent as is (isBase64Encoded false)
}

// Event returns the HTTP trigger event FC delivers for r, with the request context FC fills in
// (account, domain, source IP, request ID, time) set to fixed values.
func Event(r Request) events.HTTPTriggerEvent {
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	str := func(s string) *string { return &s }
	f := false
	headers := map[string]string{}
	for k, v := range r.Headers {
		headers[k] = v
	}
	query := map[string]string{}
	for k, v := range r.Query {
		query[k] = v
	}
	ev := events.HTTPTriggerEvent{
		Version: str("v1"), RawPath: str(r.Path), Body: str(r.Body), IsBase64Encoded: &f,
		Headers: &headers, QueryParameters: &query,
	}
	c := &ev.TriggerContext
	c.AccountId, c.DomainName, c.DomainPrefix = str("1234567890123456"), str("fn-abcdefgh.cn-hangzhou.fcapp.run"), str("fn-abcdefgh")
	c.Http.Method, c.Http.Path, c.Http.Protocol = str(method), str(r.Path), str("HTTP/1.1")
	c.Http.SourceIp, c.Http.UserAgent = str("203.0.113.7"), str("fcwebtest")
	c.RequestId, c.Time, c.TimeEpoch = str("1-64f6cd87-0a1b2c3d4e5f60718293a4b5"), str("2023-09-05T06:41:11Z"), str("1693896071895")
	return ev
}

// WithHeader returns ev with the header name set to value (ev's header map is copied).
func WithHeader(ev events.HTTPTriggerEvent, name, value string) events.HTTPTriggerEvent {
	h := map[string]string{}
	if ev.Headers != nil {
		for k, v := range *ev.Headers {
			h[k] = v
		}
	}
	h[name] = value
	ev.Headers = &h
	return ev
}

// SignedIn returns ev with an Authorization header carrying a token idp mints for user.
func SignedIn(t testing.TB, idp *localidp.Issuer, ev events.HTTPTriggerEvent, user string) events.HTTPTriggerEvent {
	t.Helper()
	tok, err := idp.Mint(user)
	if err != nil {
		t.Fatal(err)
	}
	return WithHeader(ev, "Authorization", "Bearer "+tok)
}

// Issuer starts a loopback issuer whose tokens are minted at now, and returns it with the
// settings that turn per-user mode on against it (its JWKS inline: nothing is fetched).
func Issuer(t testing.TB, now time.Time) (*localidp.Issuer, map[string]string) {
	t.Helper()
	idp, err := localidp.Start(localidp.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idp.Close() })
	return idp, map[string]string{"AUTH_JWKS": string(idp.JWKS()), "AUTH_ISSUER": idp.URL, "AUTH_AUDIENCE": idp.Audience}
}

// Verifier returns the verifier of the AUTH_* settings in env on the clock now (config.Load's
// runs on the real clock).
func Verifier(t testing.TB, env map[string]string, now time.Time) *userauth.Verifier {
	t.Helper()
	v, err := userauth.New(userauth.Options{
		JWKS: []byte(env["AUTH_JWKS"]), Issuer: env["AUTH_ISSUER"], Audience: env["AUTH_AUDIENCE"], UserClaim: env["AUTH_USER_CLAIM"],
		Now: func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}
