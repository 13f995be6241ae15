package devstack

import (
	"bufio"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/fc-oss-upload/fc-oss-upload/shared/config"
)

// TestRoleSplit runs the real binaries with roles swapped the way a wrong deployment would swap them,
// and shows that the local OSS and fake STS refuse what the wrong role lacks (every other test runs
// each function with its own role, RolePolicyFiles, and so shows the right role is enough):
//   - presignedurl with the signer role (oss:PutObject only): single PUTs and multipart initiation
//     and parts still work (all oss:PutObject), but listing, completing (which lists) and aborting
//     an upload are refused: OSS says AccessDenied for ListParts / AbortMultipartUpload;
//   - postsignature with the sts function's role (sts:AssumeRole only): its form is refused by OSS;
//   - sts with the signer role: STS refuses AssumeRole (NoPermission), the function answers 503;
//   - the callback function's own role may read (HeadObject) but not write.
func TestRoleSplit(t *testing.T) {
	var logs syncBuffer
	s, err := Start(context.Background(), Options{
		Bins:   bins,
		Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
		Env: map[string]string{
			"OSS_MAX_SIZE_BYTES":        "1000000",
			"OSS_ALLOWED_CONTENT_TYPES": "text/plain,application/octet-stream",
		},
		RoleFiles: map[string]string{
			config.FunctionPresignedURL:  RolePolicyFiles[config.FunctionPostSignature],
			config.FunctionPostSignature: RolePolicyFiles[config.FunctionSTS],
			config.FunctionSTS:           RolePolicyFiles[config.FunctionPostSignature],
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// logged reports whether the stack logged msg from component with every field of want.
	logged := func(component, msg string, want map[string]string) bool {
		sc := bufio.NewScanner(strings.NewReader(logs.String()))
		for sc.Scan() {
			var l map[string]any
			if json.Unmarshal(sc.Bytes(), &l) != nil || l["component"] != component || l["msg"] != msg {
				continue
			}
			match := true
			for k, v := range want {
				match = match && l[k] == v
			}
			if match {
				return true
			}
		}
		return false
	}
	// refusedByOSS reports whether the local OSS refused op for the function's key with AccessDenied.
	refusedByOSS := func(fn, op string) bool {
		return logged("localoss", "oss request", map[string]string{"op": op, "access_key_id": s.Roles[fn].AccessKeyID, "code": "AccessDenied"})
	}

	var single presigned
	if status, code := fetchJSON(t, s, "/get_presigned_url_for_oss_upload?filename=a.txt&size=5", &single); status != 200 {
		t.Fatalf("presignedurl with the signer role, single PUT: %d %s", status, code)
	}
	if status, code := ossError(t, put(t, single, []byte("hello"), single.Headers)); status != 200 {
		t.Fatalf("presignedurl with the signer role, single PUT upload: %d %s", status, code)
	}

	t.Run("presignedurl with the signer role", func(t *testing.T) {
		c := companion{t: t, base: s.OriginURL, stack: s}
		u := c.create("big.bin", "application/octet-stream", 1)
		if status, code, _ := c.putPart(u, 1, []byte("x")); status != 200 {
			t.Fatalf("part: %d %s", status, code)
		}
		if status, code := c.call(http.MethodGet, u.path(""), nil, nil); status != 500 || !refusedByOSS(config.FunctionPresignedURL, "ListParts") {
			t.Errorf("list: %d %s, want 500 after OSS refused ListParts", status, code)
		}
		if status, code := c.complete(u, []mpPart{{PartNumber: 1, ETag: "x"}}); status != 500 {
			t.Errorf("complete: %d %s, want 500", status, code)
		}
		c.notStored(u.Key)
		if status, code := c.call(http.MethodDelete, u.path(""), nil, nil); status != 500 || !refusedByOSS(config.FunctionPresignedURL, "AbortMultipartUpload") {
			t.Errorf("abort: %d %s, want 500 after OSS refused AbortMultipartUpload", status, code)
		}
	})

	t.Run("postsignature with the sts role", func(t *testing.T) {
		var f postSignature
		if status, code := fetchJSON(t, s, "/get_post_signature_for_oss_upload?filename=notes.txt", &f); status != 200 {
			t.Fatalf("signature: %d %s", status, code)
		}
		if status, code := ossError(t, postForm(t, f.Host, fieldsOf(f.Fields), "notes.txt", []byte("hi"))); status != 403 || code != "AccessDenied" {
			t.Errorf("form upload: %d %s, want 403 AccessDenied", status, code)
		}
		if !refusedByOSS(config.FunctionPostSignature, "PostObject") {
			t.Error("OSS did not refuse the PostObject for lack of oss:PutObject")
		}
	})

	t.Run("sts with the signer role", func(t *testing.T) {
		var tok stsToken
		if status, code := fetchJSON(t, s, "/get_sts_token_for_oss_upload", &tok); status != 503 {
			t.Errorf("token: %d %s, want 503", status, code)
		}
		if !logged("fakests", "sts call", map[string]string{"accessKeyId": s.Roles[config.FunctionSTS].AccessKeyID, "outcome": "NoPermission"}) {
			t.Error("the fake STS did not refuse the sts function's AssumeRole with NoPermission")
		}
	})

	t.Run("the callback role reads, never writes", func(t *testing.T) {
		k := s.Roles[config.FunctionCallback]
		cl := ossClient(stsToken{Region: s.Region, Endpoint: s.OSSURL, AccessKeyID: k.AccessKeyID, AccessKeySecret: k.AccessKeySecret, SecurityToken: k.SecurityToken})
		ctx := context.Background()
		if _, err := cl.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(s.Bucket), Key: oss.Ptr(s.Dir + "callback-role.txt"), Body: strings.NewReader("x")}); ossCode(err) != "AccessDenied" {
			t.Errorf("PutObject with the callback role: %v, want AccessDenied", err)
		}
		if _, err := cl.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(s.Bucket), Key: oss.Ptr(single.Key)}); err != nil {
			t.Errorf("HeadObject with the callback role: %v", err)
		}
	})
}
