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

	"github.com/fc-oss-upload/fc-oss-upload/shared/fcweb"
	"github.com/fc-oss-upload/fc-oss-upload/shared/ossauth"
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
	var b fcweb.ErrorBody
	r.JSON(t, &b)
	return string(b.Error.Code)
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
