package sdktest

import (
	"bytes"
	"errors"
	"testing"
	"time"

	ossv2 "github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	ossv2cred "github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"

	"github.com/fc-oss-upload/fc-oss-upload/internal/localcred"
	"github.com/fc-oss-upload/fc-oss-upload/internal/localoss"
	"github.com/fc-oss-upload/fc-oss-upload/internal/localoss/localosstest"
)

const (
	testBucket = "test-bucket"
	testRegion = "cn-hangzhou"
	// testKey is the awkward object key of the conformance table: + / % space 中文 ~ ( ).
	testKey = "dir/中文 a+b~(1) 100%.png"
	// minPartSize is OSS's smallest part but the last, 100 KB
	// (https://help.aliyun.com/en/oss/user-guide/0017-00000219).
	minPartSize = 100 << 10
)

// sdkCred is a key the local OSS knows: permanent, or temporary with a token.
type sdkCred struct {
	name, ak, sk, token string
}

var sdkCreds = []sdkCred{
	{"permanent", "LTAItestkey", "test/secret+key==", ""},
	{"sts", "STS.testkey", "sts-secret", "CAIS+token/with=chars"},
}

// testEnv is one local OSS (localosstest's, for the bucket testBucket), its clock fixed at the
// start, knowing the keys of sdkCreds.
type testEnv struct {
	stack *localosstest.Stack // stack.Send makes a request without an SDK
	clock *localosstest.Clock
	srv   *localoss.Server
	url   string
	keys  *localcred.Registry
}

func newTestEnv(t *testing.T, now time.Time) *testEnv {
	t.Helper()
	reg := localcred.NewRegistry()
	for _, c := range sdkCreds {
		k := localcred.Key{AccessKeyID: c.ak, AccessKeySecret: c.sk, SecurityToken: c.token}
		if c.token != "" {
			k.Expiration = now.Add(time.Hour)
		}
		reg.Put(k)
	}
	s := localosstest.New(t, localosstest.Options{Bucket: testBucket, Region: testRegion, Registry: reg, Now: now})
	return &testEnv{stack: s, clock: s.Clock, srv: s.Server, url: s.URL, keys: reg}
}

func v2Client(env *testEnv, c sdkCred, version ossv2.SignatureVersionType, region string) *ossv2.Client {
	cfg := ossv2.LoadDefaultConfig().
		WithCredentialsProvider(ossv2cred.NewStaticCredentialsProvider(c.ak, c.sk, c.token)).
		WithRegion(region).
		WithEndpoint(env.url).
		WithSignatureVersion(version).
		WithRetryMaxAttempts(1)
	return ossv2.NewClient(cfg)
}

// v2Code is the OSS error code of an SDK v2 error, "" for none.
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

// mustObject returns the metadata of the object stored at key, failing unless its bytes are want.
func mustObject(t *testing.T, env *testEnv, key string, want []byte) localoss.ObjectMeta {
	t.Helper()
	got, meta, err := env.srv.Object(testBucket, key)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("object %q: %d bytes (%v), want %d", key, len(got), err, len(want))
	}
	return meta
}
