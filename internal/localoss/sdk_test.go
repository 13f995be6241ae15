package localoss

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	ossv1 "github.com/aliyun/aliyun-oss-go-sdk/oss"
)

// Differential tests: requests signed and sent by the official OSS Go SDK (v1, the SDK the product
// already uses; scripts/sdktest does the same with the SDK v2) must be accepted, tampered ones
// refused with OSS's error codes. The server clock is fixed at the time the test
// starts; the SDKs sign with the real clock, which stays well within the 15-minute skew.

type sdkCred struct {
	name, ak, sk, token string
}

var sdkCreds = []sdkCred{
	{"permanent", testAK, testSK, ""},
	{"sts", stsAK, stsSK, stsToken},
}

// v1Bucket is a bucket of the OSS Go SDK v1 signing with version and c's key, talking to env's
// server.
func v1Bucket(t *testing.T, env *testEnv, c sdkCred, version ossv1.AuthVersionType, region string) *ossv1.Bucket {
	t.Helper()
	opts := []ossv1.ClientOption{ossv1.AuthVersion(version), ossv1.Region(region)}
	if c.token != "" {
		opts = append(opts, ossv1.SecurityToken(c.token))
	}
	cl, err := ossv1.New(env.http.URL, c.ak, c.sk, opts...)
	if err != nil {
		t.Fatal(err)
	}
	b, err := cl.Bucket(testBucket)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// v1Code is the OSS error code of an SDK v1 error, "" for none.
func v1Code(err error) string {
	var se ossv1.ServiceError
	if errors.As(err, &se) {
		return se.Code
	}
	if err != nil {
		return "non-service error: " + err.Error()
	}
	return ""
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
					return v1Bucket(t, env, sdkCred{c.name, c.ak, sk, c.token}, version, region)
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
	b := v1Bucket(t, env, sdkCreds[0], ossv1.AuthV4, testRegion)
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
