package devstack

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"

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
