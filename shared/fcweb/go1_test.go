package fcweb

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/aliyun/fc-runtime-go-sdk/events"
	"github.com/aliyun/fc-runtime-go-sdk/fccontext"
	"github.com/fc-oss-upload/fc-oss-upload/shared/api"
)

func ptr[T any](v T) *T { return &v }

func event(method, path string, body string, b64 bool, headers, query map[string]string) events.HTTPTriggerEvent {
	ev := events.HTTPTriggerEvent{RawPath: ptr(path), Body: ptr(body), IsBase64Encoded: ptr(b64), Headers: &headers, QueryParameters: &query}
	ev.TriggerContext.Http.Method = ptr(method)
	ev.TriggerContext.Http.SourceIp = ptr("203.0.113.7")
	ev.TriggerContext.DomainName = ptr("fn.cn-hangzhou.fcapp.run")
	ev.TriggerContext.RequestId = ptr("evt-request-id")
	return ev
}

func TestAdapterRequestAndResponse(t *testing.T) {
	t.Parallel()
	var seen *http.Request
	var seenBody []byte
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = r
		seenBody, _ = io.ReadAll(r.Body)
		creds, _ := Credentials(r.Context())
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("X-Request-Id", requestIDOf(r.Context())+"/"+creds.AccessKeyID)
		w.WriteHeader(201)
		w.Write([]byte{0, 1, 2, 0xff})
	})
	fc := &fccontext.FcContext{RequestID: "fc-request-id"}
	fc.Credentials.AccessKeyId, fc.Credentials.AccessKeySecret, fc.Credentials.SecurityToken = "STS.id", "secret", "token"
	ev := event("POST", "/a%20b/c", base64.StdEncoding.EncodeToString([]byte{9, 8, 7}), true,
		map[string]string{"content-type": "application/x-binary", "X-Multi": "a,b"}, map[string]string{"filename": "中 文.png", "tag": "a,b"})
	resp, err := Adapter{Handler: h}.Invoke(fccontext.NewContext(context.Background(), fc), ev)
	if err != nil {
		t.Fatal(err)
	}
	if seen.Method != "POST" || seen.URL.Path != "/a b/c" || seen.URL.Query().Get("filename") != "中 文.png" || seen.URL.Query().Get("tag") != "a,b" ||
		seen.Header.Get("Content-Type") != "application/x-binary" || seen.Host != "fn.cn-hangzhou.fcapp.run" || seen.RemoteAddr != "203.0.113.7" ||
		!bytes.Equal(seenBody, []byte{9, 8, 7}) {
		t.Errorf("request: %s %s %v host=%s remote=%s body=%v", seen.Method, seen.URL, seen.Header, seen.Host, seen.RemoteAddr, seenBody)
	}
	if resp.StatusCode != 201 || !resp.IsBase64Encoded || resp.Body != base64.StdEncoding.EncodeToString([]byte{0, 1, 2, 0xff}) ||
		resp.Headers["X-Request-Id"] != "fc-request-id/STS.id" {
		t.Errorf("response %+v", resp)
	}
}

func TestAdapterNeverFails(t *testing.T) {
	t.Parallel()
	panicky := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom: secret-detail") })
	cases := map[string]struct {
		ev     events.HTTPTriggerEvent
		status int
	}{
		"panic":           {event("GET", "/", "", false, nil, nil), 500},
		"no method":       {event("", "/", "", false, nil, nil), 400},
		"bad base64 body": {event("POST", "/", "%%%", true, nil, nil), 400},
		"bad path":        {event("GET", "::", "", false, nil, nil), 400},
	}
	for name, c := range cases {
		resp, err := Adapter{Handler: panicky}.Invoke(context.Background(), c.ev)
		if err != nil || resp == nil {
			t.Fatalf("%s: %v", name, err)
		}
		var body api.Error
		if resp.StatusCode != c.status || json.Unmarshal([]byte(resp.Body), &body) != nil || body.Error.Code == "" {
			t.Errorf("%s: %d %s", name, resp.StatusCode, resp.Body)
		}
		if strings.Contains(resp.Body, "secret-detail") {
			t.Errorf("%s: panic text reached the client", name)
		}
	}
}

func TestAccessLogHasNoQueryOrHeaders(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	h := New(Options{Function: "t", Logger: slog.New(slog.NewJSONHandler(&logs, nil)), Routes: []Route{{Path: "/x", Methods: []string{"GET"},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })}}})
	ev := event("GET", "/x", "", false, map[string]string{"Authorization": "Bearer secret-token"}, map[string]string{"x-oss-signature": "secret-sig"})
	resp, _ := Adapter{Handler: h}.Invoke(context.Background(), ev)
	if resp.StatusCode != 200 {
		t.Fatalf("%d", resp.StatusCode)
	}
	line := logs.String()
	if !strings.Contains(line, `"requestId":"evt-request-id"`) || !strings.Contains(line, `"status":200`) || !strings.Contains(line, `"path":"/x"`) {
		t.Errorf("access line %s", line)
	}
	if strings.Contains(line, "secret") {
		t.Errorf("access line leaks: %s", line)
	}
}

// TestSourceIP: the access log's sourceIp is the address alone, whatever form RemoteAddr takes: the
// go1 entry's bare event sourceIp (IPv4 or IPv6) or the custom entry's host:port.
func TestSourceIP(t *testing.T) {
	for remote, want := range map[string]string{
		"203.0.113.7":         "203.0.113.7",
		"203.0.113.7:51234":   "203.0.113.7",
		"2001:db8::1":         "2001:db8::1",
		"[2001:db8::1]:51234": "2001:db8::1",
		"[2001:db8::1]":       "2001:db8::1",
		"::ffff:203.0.113.7":  "::ffff:203.0.113.7",
		"":                    "",
	} {
		r := &http.Request{RemoteAddr: remote}
		if got := sourceIP(r); got != want {
			t.Errorf("sourceIP(%q) = %q; want %q", remote, got, want)
		}
	}
}
