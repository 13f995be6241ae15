package localosstest

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"
)

// STS is an STS-credentials answer: temporary credentials and where they may upload.
type STS struct {
	AccessKeyID, AccessKeySecret, SecurityToken string
	Bucket, Region, Endpoint, Dir               string
	Cname, PathStyle                            bool
}

// sdk returns a bucket of an OSS client (Alibaba's Go SDK, V4 signing: a signer independent of
// this project) configured from the answer the way a client is, talking to the local OSS. It is
// the SDK the callback function uses (github.com/aliyun/aliyun-oss-go-sdk), so the product's tests
// need no second OSS SDK; scripts/sdktest drives the local OSS with the SDK v2 as well.
func (s *Stack) sdk(t testing.TB, a STS, id, secret, token string) *oss.Bucket {
	t.Helper()
	opts := []oss.ClientOption{oss.AuthVersion(oss.AuthV4), oss.Region(a.Region), oss.HTTPClient(s.Client),
		oss.UseCname(a.Cname), oss.ForcePathStyle(a.PathStyle)}
	if token != "" {
		opts = append(opts, oss.SecurityToken(token))
	}
	c, err := oss.New(a.Endpoint, id, secret, opts...)
	if err != nil {
		t.Fatalf("OSS client for endpoint %q: %v", a.Endpoint, err)
	}
	c.Config.RetryTimes = 0
	b, err := c.Bucket(a.Bucket)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func serviceCode(err error) string {
	var se oss.ServiceError
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
	c := s.sdk(t, a, a.AccessKeyID, a.AccessKeySecret, a.SecurityToken)
	key := w.Prefix + ClientName
	body := []byte("uploaded with temporary credentials")
	put := func(c *oss.Bucket, key string) error {
		return c.PutObject(key, bytes.NewReader(body), oss.WithContext(ctx))
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
		refused("secret changed to "+m, "SignatureDoesNotMatch", put(s.sdk(t, a, a.AccessKeyID, m, a.SecurityToken), key))
	}
	for _, m := range mutations(a.SecurityToken) {
		refused("token changed", "", put(s.sdk(t, a, a.AccessKeyID, a.AccessKeySecret, m), key))
	}
	refused("no token", "", put(s.sdk(t, a, a.AccessKeyID, a.AccessKeySecret, ""), key))
	for _, m := range mutations(a.AccessKeyID) {
		refused("key ID changed to "+m, "", put(s.sdk(t, a, m, a.AccessKeySecret, a.SecurityToken), key))
	}
	if keys := s.keys(t); len(keys) != 0 {
		t.Fatalf("refused requests stored %q", keys)
	}

	if err := put(c, key); err != nil {
		t.Fatalf("put under the prefix: %v", err)
	}
	s.checkStored(t, key, body, "")
	_, err := c.GetObject(key, oss.WithContext(ctx))
	refused("read back", "AccessDenied", err)
	refused("delete", "AccessDenied", c.DeleteObject(key, oss.WithContext(ctx)))
	up, err := c.InitiateMultipartUpload(w.Prefix+"big.bin", oss.WithContext(ctx))
	if err != nil {
		t.Fatalf("start a multipart upload under the prefix: %v", err)
	}
	if err := c.AbortMultipartUpload(up, oss.WithContext(ctx)); err != nil {
		t.Errorf("abort the multipart upload: %v", err)
	}
	_, err = c.InitiateMultipartUpload(outside, oss.WithContext(ctx))
	refused("multipart upload beside the prefix", "AccessDenied", err)
	s.checkStored(t, key, body, "")
}
