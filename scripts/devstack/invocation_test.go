package devstack

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/fc-oss-upload/fc-oss-upload/scripts/fcemu"
	"github.com/fc-oss-upload/fc-oss-upload/shared/api"
)

// TestInvocationCredentialsOnly: every function signs with the role credentials FC passes with
// each invocation (each main.go wires rolecred.Source.Invocation to fcweb.Credentials), with none
// in its environment: sts calls AssumeRole with them, the signers sign with them, the callback
// function asks OSS for the stored object with them.
func TestInvocationCredentialsOnly(t *testing.T) {
	st, err := Start(context.Background(), Options{Bins: bins, Callbacks: true, InvocationOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	data := pngOf(t, 3, 2)

	var tok api.Token
	if status, code := fetchJSON(t, st, "/get_sts_token_for_oss_upload", &tok); status != 200 || tok.SecurityToken == "" {
		t.Fatalf("sts: %d %s", status, code)
	}
	var s api.PostPolicy
	if status, code := fetchJSON(t, st, "/get_post_signature_for_oss_upload?filename=a.png", &s); status != 200 {
		t.Fatalf("postsignature: %d %s", status, code)
	}
	uploaded(t, postForm(t, s.Host, fieldsOf(s.Fields), "a.png", data), s.Key, len(data))
	var p api.PresignedPut
	if status, code := fetchJSON(t, st, fmt.Sprintf("/get_presigned_url_for_oss_upload?filename=b.png&size=%d", len(data)), &p); status != 200 {
		t.Fatalf("presignedurl: %d %s", status, code)
	}
	uploaded(t, put(t, p, data, p.Headers), p.Key, len(data))
}

// uploaded checks that an upload was stored and that the callback function answered with what OSS
// holds under key (its size and type come from HeadObject, signed with the callback's role).
func uploaded(t *testing.T, resp *http.Response, key string, size int) {
	t.Helper()
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var a api.Uploaded
	if resp.StatusCode != 200 || json.Unmarshal(body, &a) != nil || a.Key != key || a.Size != int64(size) || a.ContentType != "image/png" {
		t.Fatalf("upload of %s: %d %s", key, resp.StatusCode, body)
	}
}

// TestNoRoleCredentials: a function that FC passes no credentials (deployed without a role) falls
// back to credentials-go's default chain; when that chain has only an HTTP provider (here the
// credentials URI, ALIBABA_CLOUD_CREDENTIALS_URI, answering 500) and it fails, each signer answers
// 503 with a JSON code, and the process lives on. On the go1 entry this once panicked: the event
// limit had replaced http.DefaultTransport with a type credentials-go cannot clone.
func TestNoRoleCredentials(t *testing.T) {
	var asked atomic.Int64
	uri := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		http.Error(w, "no role here", http.StatusInternalServerError)
	}))
	defer uri.Close()
	for fn, path := range map[string]string{
		"sts":           "/get_sts_token_for_oss_upload",
		"postsignature": "/get_post_signature_for_oss_upload?filename=a.png",
		"presignedurl":  "/get_presigned_url_for_oss_upload?filename=a.png&size=3",
	} {
		t.Run(fn, func(t *testing.T) {
			before := asked.Load() // sts may ask at start, as its initializer warms up
			env := append(append([]string{}, stack.Env...), "ALIBABA_CLOUD_CREDENTIALS_URI="+uri.URL)
			f := startAlone(t, fcemu.Options{Binary: stack.Bins[fn], Env: env, FunctionName: fn})
			for i := range 2 { // the second answer shows the process survived the first
				rec := httptest.NewRecorder()
				f.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
				var e api.Error
				if rec.Code != http.StatusServiceUnavailable || json.Unmarshal(rec.Body.Bytes(), &e) != nil || e.Error.Code == "" {
					t.Fatalf("request %d: %d %.300s; want 503 with a JSON code", i+1, rec.Code, rec.Body)
				}
				if strings.Contains(rec.Body.String(), "panic") {
					t.Errorf("request %d: %s", i+1, rec.Body)
				}
			}
			if asked.Load() == before {
				t.Errorf("the credentials URI was never asked: the test did not reach credentials-go's HTTP provider")
			}
		})
	}
}
