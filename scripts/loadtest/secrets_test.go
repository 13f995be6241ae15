package loadtest

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"

	"github.com/fc-oss-upload/fc-oss-upload/internal/fakests"
	"github.com/fc-oss-upload/fc-oss-upload/scripts/devstack"
)

// secrets collects every value that must never be logged.
type secrets map[string]string // value -> where it came from

func (s secrets) add(from, v string) {
	if len(v) >= 8 {
		s[v] = from
	}
}

// TestLogsHoldNoSecrets runs a full flow (an STS token and an upload with it, a POST policy and an
// upload with it, a presigned URL and an upload with it, STS faults, and bad requests to the
// functions and to OSS) on a stack whose every log is captured: the functions' stdout and stderr
// and the stack's own logs. None of them may hold a secret, token, signature, policy or signed URL
// that the flow handed out, nor the function role's secret or token.
func TestLogsHoldNoSecrets(t *testing.T) {
	t.Parallel()
	wh, err := devstack.StartWebhook("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	env := map[string]string{
		"OSS_ALLOWED_CONTENT_TYPES": "image/png,text/plain",
		"OSS_MAX_SIZE_BYTES":        "1000",
		"OSS_FORBID_OVERWRITE":      "true",
	}
	for k, v := range wh.Env() {
		env[k] = v
	}
	s := startStackAuth(t, env, true)
	c := newClient(4)
	alice := s.bearer(t, "alice")
	sec := secrets{}
	sec.add("alice's JWT", strings.TrimPrefix(alice["Authorization"], "Bearer "))
	for fn, role := range s.Roles { // the callback role signs HeadObject
		sec.add(fn+" role secret", role.AccessKeySecret)
		sec.add(fn+" role token", role.SecurityToken)
	}
	sec.add("webhook secret", wh.Secret)
	sec.add("webhook key", strings.TrimPrefix(wh.Secret, "whsec_"))
	requests := 0
	call := func(fn, path string, headers map[string]string, wantStatus int, v any) answer {
		t.Helper()
		requests++
		a, err := get(c, s.FunctionURLs[fn], path, headers)
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != wantStatus {
			t.Fatalf("%s %s: %v, want %d", fn, path, a, wantStatus)
		}
		if v != nil {
			if err := decode200(a, v); err != nil {
				t.Fatal(err)
			}
		}
		return a
	}

	// STS: one fault absorbed by retry, then a token; upload with it, in and outside its prefix.
	s.STS.InjectFaults(fakests.FaultInternalError)
	var tok stsToken
	call("sts", "/get_sts_token_for_oss_upload", alice, 200, &tok)
	sec.add("sts AccessKeySecret", tok.AccessKeySecret)
	sec.add("sts SecurityToken", tok.SecurityToken)
	cfg := oss.LoadDefaultConfig().WithRegion(tok.Region).WithEndpoint(tok.Endpoint).WithUsePathStyle(tok.PathStyle).
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(tok.AccessKeyID, tok.AccessKeySecret, tok.SecurityToken))
	client := oss.NewClient(cfg)
	ctx := context.Background()
	if _, err := client.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(tok.Bucket), Key: oss.Ptr(tok.Dir + "sts.txt"), Body: strings.NewReader("sts")}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(tok.Bucket), Key: oss.Ptr("uploads/bob/x.txt"), Body: strings.NewReader("x")}); err == nil {
		t.Fatal("the token uploaded outside its prefix")
	}
	// STS failing for a prefix with nothing cached: it keeps issuing credentials that are already
	// expired, so every retry fails and the client gets 503.
	s.STS.InjectFaults(repeat(fakests.FaultExpiredCredentials, 200)...)
	carol := s.bearer(t, "carol")
	sec.add("carol's JWT", strings.TrimPrefix(carol["Authorization"], "Bearer "))
	call("sts", "/get_sts_token_for_oss_upload", carol, 503, nil)
	s.STS.ClearFaults()

	// POST policy: upload, overwrite refused, tampered signature refused.
	var ps postSignature
	call("postsignature", "/get_post_signature_for_oss_upload?filename=a.txt", alice, 200, &ps)
	sec.add("POST policy", ps.Policy)
	sec.add("POST signature", ps.Signature)
	sec.add("POST security token", ps.SecurityToken)
	sec.add("POST x-oss-credential", ps.Credential)
	for k, v := range ps.Fields {
		switch k {
		case "key", "Content-Type", "x-oss-content-type", "Content-Disposition", "x-oss-signature-version", "x-oss-date", "success_action_status":
		default:
			sec.add("POST field "+k, v)
		}
	}
	if a, err := postObject(c, ps, "a.txt", []byte("post")); err != nil || a.Status/100 != 2 {
		t.Fatalf("POST upload: %v %v", a, err)
	}
	if a, _ := postObject(c, ps, "a.txt", []byte("post")); a.Status != http.StatusConflict {
		t.Errorf("POST overwrite: %v", a)
	}
	tampered := ps
	tampered.Fields = map[string]string{}
	for k, v := range ps.Fields {
		tampered.Fields[k] = v
	}
	tampered.Fields["key"] = ps.Dir + "other.txt"
	if a, _ := postObject(c, tampered, "a.txt", []byte("post")); a.Status != http.StatusForbidden {
		t.Errorf("POST with another key: %v", a)
	}

	// Presigned URL: upload, tampered signature refused; the text/plain form too.
	var pu presigned
	call("presignedurl", "/get_presigned_url_for_oss_upload?filename=b.png&size=3", alice, 200, &pu)
	addURL(sec, "presigned URL", pu.URL)
	if a, err := putPresigned(c, pu, []byte("png")); err != nil || a.Status != 200 {
		t.Fatalf("presigned PUT: %v %v", a, err)
	}
	u, _ := url.Parse(pu.URL)
	q := u.Query()
	sig := []byte(q.Get("x-oss-signature"))
	sig[0] ^= 1
	q.Set("x-oss-signature", string(sig))
	sec.add("tampered signature", string(sig))
	u.RawQuery = q.Encode()
	bad := pu
	bad.URL = u.String()
	bad.Key += ".x"
	if a, _ := putPresigned(c, bad, []byte("png")); a.Status != http.StatusForbidden {
		t.Errorf("tampered presigned PUT: %v", a)
	}
	requests++
	req, _ := http.NewRequest(http.MethodGet, s.FunctionURLs["presignedurl"]+"/get_presigned_url_for_oss_upload?filename=c.png&size=3", nil)
	req.Header.Set("Authorization", alice["Authorization"])
	plain, err := do(c, req)
	if err != nil || plain.Status != 200 {
		t.Fatalf("presign as text: %v %v", plain, err)
	}
	addURL(sec, "presigned URL (text)", string(plain.Body))

	// Bad requests to the functions.
	call("presignedurl", "/get_presigned_url_for_oss_upload?filename=a.gif", alice, 415, nil)
	call("presignedurl", "/get_presigned_url_for_oss_upload?filename=a.png&size=1001", alice, 413, nil)
	call("postsignature", "/get_post_signature_for_oss_upload?filename="+url.QueryEscape("a\x00.png"), alice, 400, nil)
	call("postsignature", "/get_post_signature_for_oss_upload", nil, 401, nil)
	call("sts", "/get_sts_token_for_oss_upload", map[string]string{"Authorization": alice["Authorization"], "Origin": "https://evil.example"}, 403, nil)
	call("sts", "/get_sts_token_for_oss_upload", map[string]string{"Authorization": alice["Authorization"] + "x"}, 401, nil)
	call("sts", "/nowhere", alice, 404, nil)

	logs := s.out.String() + s.logs.String()
	if n := strings.Count(s.out.String(), `"msg":"access"`); n < requests {
		t.Errorf("%d access lines for %d requests: the capture is not working", n, requests)
	}
	if !strings.Contains(s.logs.String(), `"msg":"sts call"`) {
		t.Errorf("no fake STS line in the stack's logs: the capture is not working")
	}
	if !strings.Contains(s.out.String(), `"msg":"upload completed"`) || !strings.Contains(s.out.String(), `"webhook":"delivered"`) {
		t.Errorf("no upload callback in the functions' logs: the callback path was not exercised")
	}
	if len(sec) < 12 {
		t.Errorf("only %d secrets collected", len(sec))
	}
	for v, from := range sec {
		for _, form := range []string{v, url.QueryEscape(v), url.PathEscape(v)} {
			if i := strings.Index(logs, form); i >= 0 {
				t.Errorf("the logs hold the %s: …%s…", from, logs[max(0, i-200):min(len(logs), i+len(form)+50)])
				break
			}
		}
	}
	t.Logf("%d bytes of logs (%d access lines) checked for %d secret values", len(logs), strings.Count(logs, `"msg":"access"`), len(sec))
	if testing.Verbose() {
		var b bytes.Buffer
		for _, line := range strings.Split(s.out.String(), "\n") {
			if strings.Contains(line, `"level":"ERROR"`) {
				b.WriteString(line + "\n")
			}
		}
		t.Logf("error lines of the functions:\n%s", b.String())
	}
}

// addURL adds a signed URL and every signed query value of it.
func addURL(sec secrets, from, raw string) {
	sec.add(from, raw)
	u, err := url.Parse(raw)
	if err != nil {
		return
	}
	sec.add(from+" query", u.RawQuery)
	for k, vs := range u.Query() {
		switch k {
		case "x-oss-signature-version", "x-oss-expires", "x-oss-date", "x-oss-additional-headers":
			continue // public constants and times
		}
		for _, v := range vs {
			sec.add(from+" "+k, v)
		}
	}
}
