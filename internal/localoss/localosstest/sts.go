package localosstest

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
)

// STS is an STS-credentials answer: temporary credentials and where they may upload.
type STS struct {
	AccessKeyID, AccessKeySecret, SecurityToken string
	Bucket, Region, Endpoint, Dir               string
	Cname, PathStyle                            bool
}

// sdk returns an OSS client (Alibaba's Go SDK v2, V4 signing: a signer independent of this
// project) configured from the answer the way a browser client is, talking to the local OSS.
func (s *Stack) sdk(a STS, id, secret, token string) *oss.Client {
	cfg := oss.LoadDefaultConfig().WithRegion(a.Region).WithEndpoint(a.Endpoint).
		WithUsePathStyle(a.PathStyle).WithUseCName(a.Cname).WithHttpClient(s.Client).WithRetryMaxAttempts(1).
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(id, secret, token))
	return oss.NewClient(cfg)
}

func serviceCode(err error) string {
	var se *oss.ServiceError
	if errors.As(err, &se) {
		return se.Code
	}
	if err != nil {
		return "client error: " + err.Error()
	}
	return ""
}

// CheckSTS uses the credentials as a client would (through an OSS SDK) and checks what their
// session policy lets them do on the local OSS: put and multipart-upload under Dir, nothing
// outside it, no read, no delete; and that a one-character change of the key ID, the secret or
// the token is refused. The Stack's keys must include the issued credentials with their policy
// (Options.Registry shared with the fake STS that issued them).
func (s *Stack) CheckSTS(t testing.TB, a STS, w Want) {
	t.Helper()
	ctx := context.Background()
	if a.Bucket != s.Bucket || a.Dir != w.Prefix {
		t.Fatalf("answer bucket %q dir %q, want %q %q", a.Bucket, a.Dir, s.Bucket, w.Prefix)
	}
	if strings.HasPrefix(a.Region, "oss-") {
		t.Errorf("answer region %q is not a region ID", a.Region)
	}
	c := s.sdk(a, a.AccessKeyID, a.AccessKeySecret, a.SecurityToken)
	key := w.Prefix + ClientName
	body := []byte("uploaded with temporary credentials")
	put := func(c *oss.Client, key string) error {
		_, err := c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(a.Bucket), Key: oss.Ptr(key), Body: bytes.NewReader(body)})
		return err
	}

	refused := func(what, wantCode string, err error) {
		t.Helper()
		if got := serviceCode(err); got == "" || wantCode != "" && got != wantCode {
			t.Errorf("%s: %q, want refused (%s)", what, got, wantCode)
		}
	}
	outside := strings.TrimSuffix(w.Prefix, "/") + "-outside/" + ClientName
	refused("put beside the prefix", "AccessDenied", put(c, outside))
	refused("put at the bucket's root", "AccessDenied", put(c, ClientName))
	for _, m := range mutations(a.AccessKeySecret) {
		refused("secret changed to "+m, "SignatureDoesNotMatch", put(s.sdk(a, a.AccessKeyID, m, a.SecurityToken), key))
	}
	for _, m := range mutations(a.SecurityToken) {
		refused("token changed", "", put(s.sdk(a, a.AccessKeyID, a.AccessKeySecret, m), key))
	}
	refused("no token", "", put(s.sdk(a, a.AccessKeyID, a.AccessKeySecret, ""), key))
	for _, m := range mutations(a.AccessKeyID) {
		refused("key ID changed to "+m, "", put(s.sdk(a, m, a.AccessKeySecret, a.SecurityToken), key))
	}
	if keys := s.keys(t); len(keys) != 0 {
		t.Fatalf("refused requests stored %q", keys)
	}

	if err := put(c, key); err != nil {
		t.Fatalf("put under the prefix: %v", err)
	}
	s.checkStored(t, key, body, "")
	_, err := c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(a.Bucket), Key: oss.Ptr(key)})
	refused("read back", "AccessDenied", err)
	_, err = c.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr(a.Bucket), Key: oss.Ptr(key)})
	refused("delete", "AccessDenied", err)
	up, err := c.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr(a.Bucket), Key: oss.Ptr(w.Prefix + "big.bin")})
	if err != nil {
		t.Fatalf("start a multipart upload under the prefix: %v", err)
	}
	if _, err := c.AbortMultipartUpload(ctx, &oss.AbortMultipartUploadRequest{Bucket: oss.Ptr(a.Bucket), Key: up.Key, UploadId: up.UploadId}); err != nil {
		t.Errorf("abort the multipart upload: %v", err)
	}
	_, err = c.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr(a.Bucket), Key: oss.Ptr(outside)})
	refused("multipart upload beside the prefix", "AccessDenied", err)
	s.checkStored(t, key, body, "")
}
