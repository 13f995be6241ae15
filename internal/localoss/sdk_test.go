package localoss

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	ossv2 "github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	ossv2cred "github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	ossv1 "github.com/aliyun/aliyun-oss-go-sdk/oss"
	"github.com/fc-oss-upload/fc-oss-upload/internal/localcred"
)

// Differential tests: requests signed and sent by the official OSS Go SDKs must be accepted,
// tampered ones refused with OSS's error codes. The server clock is fixed at the time the test
// starts; the SDKs sign with the real clock, which stays well within the 15-minute skew.

type sdkCred struct {
	name, ak, sk, token string
}

var sdkCreds = []sdkCred{
	{"permanent", testAK, testSK, ""},
	{"sts", stsAK, stsSK, stsToken},
}

func v2Client(env *testEnv, c sdkCred, version ossv2.SignatureVersionType, region string) *ossv2.Client {
	cfg := ossv2.LoadDefaultConfig().
		WithCredentialsProvider(ossv2cred.NewStaticCredentialsProvider(c.ak, c.sk, c.token)).
		WithRegion(region).
		WithEndpoint(env.http.URL).
		WithSignatureVersion(version).
		WithRetryMaxAttempts(1)
	return ossv2.NewClient(cfg)
}

func v2Code(err error) string {
	var se *ossv2.ServiceError
	if errors.As(err, &se) {
		return se.Code
	}
	if err != nil {
		return "non-service error: " + err.Error()
	}
	return ""
}

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
				if status, code, raw := send(t, res.Method, res.URL, res.SignedHeaders, body); status != 200 {
					t.Fatalf("presigned PUT: %d %s %s", status, code, raw)
				}
				if meta := mustObject(t, env.srv, testBucket, testKey, body); meta.ContentType != "image/png" {
					t.Errorf("content type %q", meta.ContentType)
				}

				expect := func(label, method, u string, headers map[string]string, wantCode string) {
					t.Helper()
					if _, code, raw := send(t, method, u, headers, body); code != wantCode {
						t.Errorf("%s: code %q, want %q (%s)", label, code, wantCode, raw)
					}
				}
				other := map[string]string{"Content-Type": "image/gif"}
				expect("wrong content type", res.Method, res.URL, other, CodeSignatureDoesNotMatch)
				expect("no content type", res.Method, res.URL, nil, CodeSignatureDoesNotMatch)

				wrong := presignPut(t, v2Client(env, sdkCred{c.name, c.ak, "wrong-secret", c.token}, version, testRegion), testKey, "image/png", 10*time.Minute)
				expect("wrong secret", wrong.Method, wrong.URL, wrong.SignedHeaders, CodeSignatureDoesNotMatch)

				unknown := presignPut(t, v2Client(env, sdkCred{c.name, "LTAIunknown", c.sk, ""}, version, testRegion), testKey, "image/png", 10*time.Minute)
				expect("unknown AK", unknown.Method, unknown.URL, unknown.SignedHeaders, CodeInvalidAccessKeyID)

				expired := presignPut(t, v2Client(env, sdkCred{c.name, "STS.expired", "x", "tok"}, version, testRegion), testKey, "image/png", 10*time.Minute)
				expect("expired token", expired.Method, expired.URL, expired.SignedHeaders, CodeSecurityTokenExpired)

				if version == ossv2.SignatureVersionV4 {
					region := presignPut(t, v2Client(env, c, version, "cn-shanghai"), testKey, "image/png", 10*time.Minute)
					if _, code, raw := send(t, region.Method, region.URL, region.SignedHeaders, body); code != CodeSignatureDoesNotMatch || !bytes.Contains(raw, []byte("Invalid signing region")) {
						t.Errorf("wrong region: %s %s", code, raw)
					}
				}

				tokenParam := map[ossv2.SignatureVersionType]string{ossv2.SignatureVersionV4: "x-oss-security-token", ossv2.SignatureVersionV1: "security-token"}[version]
				u, _ := url.Parse(res.URL)
				q := u.Query()
				if c.token != "" {
					q.Del(tokenParam)
					u.RawQuery = q.Encode()
					expect("missing token", res.Method, u.String(), res.SignedHeaders, CodeInvalidAccessKeyID)
					q.Set(tokenParam, "forged-token")
					u.RawQuery = q.Encode()
					expect("unknown token", res.Method, u.String(), res.SignedHeaders, CodeInvalidSecurityToken)
				}

				env.clock.Set(start.Add(time.Hour))
				code := CodeAccessDenied
				if c.token != "" && version == ossv2.SignatureVersionV1 {
					code = CodeAccessDenied // Expires is checked before the key
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
				meta := mustObject(t, env.srv, testBucket, testKey, body)
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
				if code := v2Code(err); code != CodeFileAlreadyExists {
					t.Errorf("forbid overwrite: %v", err)
				}
				_, err = client.GetObject(ctx, &ossv2.GetObjectRequest{Bucket: ossv2.Ptr(testBucket), Key: ossv2.Ptr("missing")})
				if code := v2Code(err); code != CodeNoSuchKey {
					t.Errorf("missing key: %v", err)
				}
				bad := v2Client(env, sdkCred{c.name, c.ak, "wrong", c.token}, version, testRegion)
				_, err = bad.PutObject(ctx, &ossv2.PutObjectRequest{Bucket: ossv2.Ptr(testBucket), Key: ossv2.Ptr("x"), Body: strings.NewReader("x")})
				if code := v2Code(err); code != CodeSignatureDoesNotMatch {
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
	if code := v2Code(err); code != CodeInvalidPart {
		t.Errorf("bad etag: %v", err)
	}
	done, err := client.CompleteMultipartUpload(ctx, &ossv2.CompleteMultipartUploadRequest{Bucket: ossv2.Ptr(testBucket), Key: ossv2.Ptr(testKey),
		UploadId: init.UploadId, CompleteMultipartUpload: &ossv2.CompleteMultipartUpload{Parts: parts}})
	if err != nil {
		t.Fatalf("Complete: %v", err)
	}
	want := bytes.Join(partData, nil)
	meta := mustObject(t, env.srv, testBucket, testKey, want)
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
	if code := v2Code(err); code != CodeNoSuchUpload {
		t.Errorf("after abort: %v", err)
	}

	// The uploader (what applications use) with the same server.
	up := client.NewUploader(func(o *ossv2.UploaderOptions) { o.PartSize = minPartSize; o.ParallelNum = 2 })
	big := bytes.Repeat([]byte("0123456789abcdef"), 3*minPartSize/16+5)
	if _, err := up.UploadFrom(ctx, &ossv2.PutObjectRequest{Bucket: ossv2.Ptr(testBucket), Key: ossv2.Ptr("big/" + testKey)}, bytes.NewReader(big)); err != nil {
		t.Fatalf("uploader: %v", err)
	}
	mustObject(t, env.srv, testBucket, "big/"+testKey, big)
}

func TestSDKv1(t *testing.T) {
	t.Parallel()
	start := time.Now()
	for _, version := range []ossv1.AuthVersionType{ossv1.AuthV4, ossv1.AuthV1} {
		for _, c := range sdkCreds {
			t.Run(string(version)+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				env := newTestEnv(t, start)
				client := func(sk, region string) *ossv1.Bucket {
					opts := []ossv1.ClientOption{ossv1.AuthVersion(version), ossv1.Region(region)}
					if c.token != "" {
						opts = append(opts, ossv1.SecurityToken(c.token))
					}
					cl, err := ossv1.New(env.http.URL, c.ak, sk, opts...)
					if err != nil {
						t.Fatal(err)
					}
					b, err := cl.Bucket(testBucket)
					if err != nil {
						t.Fatal(err)
					}
					return b
				}
				bucket := client(c.sk, testRegion)
				body := []byte("v1 sdk body")
				if err := bucket.PutObject(testKey, bytes.NewReader(body), ossv1.ContentType("text/markdown")); err != nil {
					t.Fatalf("PutObject: %v", err)
				}
				mustObject(t, env.srv, testBucket, testKey, body)
				rc, err := bucket.GetObject(testKey)
				if err != nil {
					t.Fatalf("GetObject: %v", err)
				}
				got, _ := io.ReadAll(rc)
				rc.Close()
				if !bytes.Equal(got, body) {
					t.Errorf("GetObject = %q", got)
				}
				err = client("wrong", testRegion).PutObject("x", strings.NewReader("x"))
				var se ossv1.ServiceError
				if !errors.As(err, &se) || se.Code != CodeSignatureDoesNotMatch {
					t.Errorf("wrong secret: %v", err)
				}

				signed, err := bucket.SignURL("signed/"+testKey, ossv1.HTTPPut, 600, ossv1.ContentType("image/png"))
				if err != nil {
					t.Fatal(err)
				}
				if status, code, raw := send(t, "PUT", signed, map[string]string{"Content-Type": "image/png"}, body); status != 200 {
					t.Fatalf("SignURL PUT: %d %s %s", status, code, raw)
				}
				mustObject(t, env.srv, testBucket, "signed/"+testKey, body)
				if _, code, _ := send(t, "PUT", signed, map[string]string{"Content-Type": "text/plain"}, body); code != CodeSignatureDoesNotMatch {
					t.Errorf("SignURL with other content type: %q", code)
				}
				if version == ossv1.AuthV4 {
					other, _ := client(c.sk, "cn-beijing").SignURL("x", ossv1.HTTPPut, 600)
					if _, code, raw := send(t, "PUT", other, nil, body); code != CodeSignatureDoesNotMatch || !bytes.Contains(raw, []byte("Invalid signing region")) {
						t.Errorf("wrong region: %s", raw)
					}
				}

				// Multipart with the v1 SDK.
				imur, err := bucket.InitiateMultipartUpload("mp/" + testKey)
				if err != nil {
					t.Fatal(err)
				}
				p1data, p2data := bytes.Repeat([]byte("x"), minPartSize), []byte("end")
				p1, err := bucket.UploadPart(imur, bytes.NewReader(p1data), int64(len(p1data)), 1)
				if err != nil {
					t.Fatal(err)
				}
				p2, err := bucket.UploadPart(imur, bytes.NewReader(p2data), int64(len(p2data)), 2)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := bucket.CompleteMultipartUpload(imur, []ossv1.UploadPart{p1, p2}); err != nil {
					t.Fatal(err)
				}
				mustObject(t, env.srv, testBucket, "mp/"+testKey, append(p1data, p2data...))

				env.clock.Set(start.Add(time.Hour))
				if _, code, raw := send(t, "PUT", signed, map[string]string{"Content-Type": "image/png"}, body); code != CodeAccessDenied || !bytes.Contains(raw, []byte("Request has expired.")) {
					t.Errorf("expired SignURL: %s", raw)
				}
				if err := bucket.PutObject("late", strings.NewReader("x")); err == nil {
					t.Errorf("header auth 1h skewed accepted")
				} else if errors.As(err, &se) && se.Code != CodeRequestTimeTooSkewed && se.Code != CodeSecurityTokenExpired {
					t.Errorf("skewed: %v", err)
				}
			})
		}
	}
}

// TestHeadObjectLikeOSS: HeadObject answers the object's Content-Length, ETag (quoted, upper-case
// hex MD5 for a simple upload) and Content-Type with no body, and 404 NoSuchKey for a missing key
// (HeadObject, https://help.aliyun.com/en/oss/developer-reference/headobject). The callback
// function relies on these three headers.
func TestHeadObjectLikeOSS(t *testing.T) {
	env := newTestEnv(t, time.Now())
	cl, err := ossv1.New(env.http.URL, testAK, testSK, ossv1.AuthVersion(ossv1.AuthV4), ossv1.Region(testRegion))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := cl.Bucket(testBucket)
	data := []byte("head me")
	if err := b.PutObject(testKey, bytes.NewReader(data), ossv1.ContentType("image/png")); err != nil {
		t.Fatal(err)
	}
	h, err := b.GetObjectDetailedMeta(testKey)
	if err != nil {
		t.Fatal(err)
	}
	if h.Get("Content-Length") != "7" || h.Get("ETag") != `"`+strings.ToUpper(md5hex(data))+`"` || h.Get("Content-Type") != "image/png" {
		t.Errorf("HeadObject headers %v", h)
	}
	_, err = b.GetObjectDetailedMeta("missing/key")
	var se ossv1.ServiceError
	if !errors.As(err, &se) || se.StatusCode != 404 {
		t.Errorf("HeadObject of a missing key: %v, want 404", err)
	}
}

func md5hex(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}
