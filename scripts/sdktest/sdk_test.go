package sdktest

import (
	"bytes"
	"context"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	ossv2 "github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/fc-oss-upload/fc-oss-upload/internal/localcred"
	"github.com/fc-oss-upload/fc-oss-upload/internal/localoss"
)

// Differential tests: requests signed and sent by the official OSS Go SDK v2 (the SDK v1 has its own test in
// internal/localoss, the product's module) must be accepted,
// tampered ones refused with OSS's error codes. The server clock is fixed at the time the test
// starts; the SDKs sign with the real clock, which stays well within the 15-minute skew.

func presignPut(t *testing.T, client *ossv2.Client, key, contentType string, d time.Duration) *ossv2.PresignResult {
	t.Helper()
	res, err := client.Presign(context.Background(), &ossv2.PutObjectRequest{
		Bucket: ossv2.Ptr(testBucket), Key: ossv2.Ptr(key), ContentType: ossv2.Ptr(contentType),
	}, ossv2.PresignExpires(d))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestSDKv2Presign(t *testing.T) {
	t.Parallel()
	start := time.Now()
	for _, version := range []ossv2.SignatureVersionType{ossv2.SignatureVersionV4, ossv2.SignatureVersionV1} {
		for _, c := range sdkCreds {
			name := map[ossv2.SignatureVersionType]string{ossv2.SignatureVersionV4: "v4", ossv2.SignatureVersionV1: "v1"}[version] + "/" + c.name
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				env := newTestEnv(t, start)
				env.keys.Put(localcred.Key{AccessKeyID: "STS.expired", AccessKeySecret: "x", SecurityToken: "tok", Expiration: start.Add(-time.Minute)})
				client := v2Client(env, c, version, testRegion)
				body := []byte("presigned body " + name)

				res := presignPut(t, client, testKey, "image/png", 10*time.Minute)
				if status, code, msg := env.stack.Send(t, res.Method, res.URL, res.SignedHeaders, body); status != 200 {
					t.Fatalf("presigned PUT: %d %s %s", status, code, msg)
				}
				if meta := mustObject(t, env, testKey, body); meta.ContentType != "image/png" {
					t.Errorf("content type %q", meta.ContentType)
				}

				expect := func(label, method, u string, headers map[string]string, wantCode string) {
					t.Helper()
					if _, code, msg := env.stack.Send(t, method, u, headers, body); code != wantCode {
						t.Errorf("%s: code %q, want %q (%s)", label, code, wantCode, msg)
					}
				}
				other := map[string]string{"Content-Type": "image/gif"}
				expect("wrong content type", res.Method, res.URL, other, localoss.CodeSignatureDoesNotMatch)
				expect("no content type", res.Method, res.URL, nil, localoss.CodeSignatureDoesNotMatch)

				wrong := presignPut(t, v2Client(env, sdkCred{c.name, c.ak, "wrong-secret", c.token}, version, testRegion), testKey, "image/png", 10*time.Minute)
				expect("wrong secret", wrong.Method, wrong.URL, wrong.SignedHeaders, localoss.CodeSignatureDoesNotMatch)

				unknown := presignPut(t, v2Client(env, sdkCred{c.name, "LTAIunknown", c.sk, ""}, version, testRegion), testKey, "image/png", 10*time.Minute)
				expect("unknown AK", unknown.Method, unknown.URL, unknown.SignedHeaders, localoss.CodeInvalidAccessKeyID)

				expired := presignPut(t, v2Client(env, sdkCred{c.name, "STS.expired", "x", "tok"}, version, testRegion), testKey, "image/png", 10*time.Minute)
				expect("expired token", expired.Method, expired.URL, expired.SignedHeaders, localoss.CodeSecurityTokenExpired)

				if version == ossv2.SignatureVersionV4 {
					region := presignPut(t, v2Client(env, c, version, "cn-shanghai"), testKey, "image/png", 10*time.Minute)
					if _, code, msg := env.stack.Send(t, region.Method, region.URL, region.SignedHeaders, body); code != localoss.CodeSignatureDoesNotMatch || !strings.Contains(msg, "Invalid signing region") {
						t.Errorf("wrong region: %s %s", code, msg)
					}
				}

				tokenParam := map[ossv2.SignatureVersionType]string{ossv2.SignatureVersionV4: "x-oss-security-token", ossv2.SignatureVersionV1: "security-token"}[version]
				u, _ := url.Parse(res.URL)
				q := u.Query()
				if c.token != "" {
					q.Del(tokenParam)
					u.RawQuery = q.Encode()
					expect("missing token", res.Method, u.String(), res.SignedHeaders, localoss.CodeInvalidAccessKeyID)
					q.Set(tokenParam, "forged-token")
					u.RawQuery = q.Encode()
					expect("unknown token", res.Method, u.String(), res.SignedHeaders, localoss.CodeInvalidSecurityToken)
				}

				env.clock.Set(start.Add(time.Hour))
				code := localoss.CodeAccessDenied
				if c.token != "" && version == ossv2.SignatureVersionV1 {
					code = localoss.CodeAccessDenied // Expires is checked before the key
				}
				expect("expired URL", res.Method, res.URL, res.SignedHeaders, code)
			})
		}
	}
}

func TestSDKv2Client(t *testing.T) {
	t.Parallel()
	start := time.Now()
	for _, version := range []ossv2.SignatureVersionType{ossv2.SignatureVersionV4, ossv2.SignatureVersionV1} {
		for _, c := range sdkCreds {
			t.Run(string(rune('0'+version))+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				env := newTestEnv(t, start)
				client := v2Client(env, c, version, testRegion)
				ctx := context.Background()
				body := bytes.Repeat([]byte("0123456789"), 1000)
				_, err := client.PutObject(ctx, &ossv2.PutObjectRequest{
					Bucket: ossv2.Ptr(testBucket), Key: ossv2.Ptr(testKey), ContentType: ossv2.Ptr("text/plain"),
					Metadata: map[string]string{"owner": "tester"}, Body: bytes.NewReader(body),
				})
				if err != nil {
					t.Fatalf("PutObject: %v", err)
				}
				meta := mustObject(t, env, testKey, body)
				if meta.ContentType != "text/plain" || meta.UserMeta["owner"] != "tester" {
					t.Errorf("meta = %+v", meta)
				}
				got, err := client.GetObject(ctx, &ossv2.GetObjectRequest{Bucket: ossv2.Ptr(testBucket), Key: ossv2.Ptr(testKey)})
				if err != nil {
					t.Fatalf("GetObject: %v", err)
				}
				b, _ := io.ReadAll(got.Body)
				got.Body.Close()
				if !bytes.Equal(b, body) || ossv2.ToString(got.ContentType) != "text/plain" {
					t.Errorf("GetObject returned %d bytes, %q", len(b), ossv2.ToString(got.ContentType))
				}
				_, err = client.PutObject(ctx, &ossv2.PutObjectRequest{
					Bucket: ossv2.Ptr(testBucket), Key: ossv2.Ptr(testKey), ForbidOverwrite: ossv2.Ptr("true"), Body: bytes.NewReader(body),
				})
				if code := v2Code(err); code != localoss.CodeFileAlreadyExists {
					t.Errorf("forbid overwrite: %v", err)
				}
				_, err = client.GetObject(ctx, &ossv2.GetObjectRequest{Bucket: ossv2.Ptr(testBucket), Key: ossv2.Ptr("missing")})
				if code := v2Code(err); code != localoss.CodeNoSuchKey {
					t.Errorf("missing key: %v", err)
				}
				bad := v2Client(env, sdkCred{c.name, c.ak, "wrong", c.token}, version, testRegion)
				_, err = bad.PutObject(ctx, &ossv2.PutObjectRequest{Bucket: ossv2.Ptr(testBucket), Key: ossv2.Ptr("x"), Body: strings.NewReader("x")})
				if code := v2Code(err); code != localoss.CodeSignatureDoesNotMatch {
					t.Errorf("wrong secret: %v", err)
				}
				_, err = client.DeleteObject(ctx, &ossv2.DeleteObjectRequest{Bucket: ossv2.Ptr(testBucket), Key: ossv2.Ptr(testKey)})
				if err != nil {
					t.Errorf("DeleteObject: %v", err)
				}
				if keys, _ := env.srv.ListKeys(testBucket); len(keys) != 0 {
					t.Errorf("keys after delete: %q", keys)
				}
			})
		}
	}
}

func TestSDKv2Multipart(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, time.Now())
	client := v2Client(env, sdkCreds[1], ossv2.SignatureVersionV4, testRegion)
	ctx := context.Background()
	init, err := client.InitiateMultipartUpload(ctx, &ossv2.InitiateMultipartUploadRequest{
		Bucket: ossv2.Ptr(testBucket), Key: ossv2.Ptr(testKey), ContentType: ossv2.Ptr("video/mp4"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if ossv2.ToString(init.Key) != testKey {
		t.Errorf("initiate key %q", ossv2.ToString(init.Key))
	}
	partData := [][]byte{bytes.Repeat([]byte("a"), minPartSize), bytes.Repeat([]byte("b"), minPartSize+7), []byte("tail")}
	var parts []ossv2.UploadPart
	for i, d := range partData {
		res, err := client.UploadPart(ctx, &ossv2.UploadPartRequest{Bucket: ossv2.Ptr(testBucket), Key: ossv2.Ptr(testKey),
			UploadId: init.UploadId, PartNumber: int32(i + 1), Body: bytes.NewReader(d)})
		if err != nil {
			t.Fatalf("UploadPart %d: %v", i+1, err)
		}
		parts = append(parts, ossv2.UploadPart{PartNumber: int32(i + 1), ETag: res.ETag})
	}
	lp, err := client.ListParts(ctx, &ossv2.ListPartsRequest{Bucket: ossv2.Ptr(testBucket), Key: ossv2.Ptr(testKey), UploadId: init.UploadId})
	if err != nil || len(lp.Parts) != 3 {
		t.Fatalf("ListParts: %v %+v", err, lp)
	}
	// A wrong ETag is InvalidPart.
	badParts := append([]ossv2.UploadPart(nil), parts...)
	badParts[1].ETag = ossv2.Ptr(`"00000000000000000000000000000000"`)
	_, err = client.CompleteMultipartUpload(ctx, &ossv2.CompleteMultipartUploadRequest{Bucket: ossv2.Ptr(testBucket), Key: ossv2.Ptr(testKey),
		UploadId: init.UploadId, CompleteMultipartUpload: &ossv2.CompleteMultipartUpload{Parts: badParts}})
	if code := v2Code(err); code != localoss.CodeInvalidPart {
		t.Errorf("bad etag: %v", err)
	}
	done, err := client.CompleteMultipartUpload(ctx, &ossv2.CompleteMultipartUploadRequest{Bucket: ossv2.Ptr(testBucket), Key: ossv2.Ptr(testKey),
		UploadId: init.UploadId, CompleteMultipartUpload: &ossv2.CompleteMultipartUpload{Parts: parts}})
	if err != nil {
		t.Fatalf("Complete: %v", err)
	}
	want := bytes.Join(partData, nil)
	meta := mustObject(t, env, testKey, want)
	if !strings.HasSuffix(meta.ETag, `-3"`) || ossv2.ToString(done.ETag) != meta.ETag || meta.ContentType != "video/mp4" {
		t.Errorf("meta %+v, complete ETag %q", meta, ossv2.ToString(done.ETag))
	}
	// Abort.
	second, err := client.InitiateMultipartUpload(ctx, &ossv2.InitiateMultipartUploadRequest{Bucket: ossv2.Ptr(testBucket), Key: ossv2.Ptr("other")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.AbortMultipartUpload(ctx, &ossv2.AbortMultipartUploadRequest{Bucket: ossv2.Ptr(testBucket), Key: ossv2.Ptr("other"), UploadId: second.UploadId}); err != nil {
		t.Fatal(err)
	}
	_, err = client.UploadPart(ctx, &ossv2.UploadPartRequest{Bucket: ossv2.Ptr(testBucket), Key: ossv2.Ptr("other"),
		UploadId: second.UploadId, PartNumber: 1, Body: strings.NewReader("x")})
	if code := v2Code(err); code != localoss.CodeNoSuchUpload {
		t.Errorf("after abort: %v", err)
	}

	// The uploader (what applications use) with the same server.
	up := client.NewUploader(func(o *ossv2.UploaderOptions) { o.PartSize = minPartSize; o.ParallelNum = 2 })
	big := bytes.Repeat([]byte("0123456789abcdef"), 3*minPartSize/16+5)
	if _, err := up.UploadFrom(ctx, &ossv2.PutObjectRequest{Bucket: ossv2.Ptr(testBucket), Key: ossv2.Ptr("big/" + testKey)}, bytes.NewReader(big)); err != nil {
		t.Fatalf("uploader: %v", err)
	}
	mustObject(t, env, "big/"+testKey, big)
}
