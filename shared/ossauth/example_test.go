package ossauth_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/shared/ossauth"
)

// A presigned PUT of the official "plain" vector: the inputs and the expected parameters are those
// of the OSS Go SDK v2's own test (github.com/aliyun/alibabacloud-oss-go-sdk-v2@v1.6.1,
// oss/signer/signer_test.go, TestV4AuthQuery; internal/ossvectors "v4_presign" "plain").
func ExampleSigner_PresignV4() {
	ep, err := ossauth.ParseEndpoint("http://oss-cn-hangzhou.aliyuncs.com", "bucket", "cn-hangzhou")
	if err != nil {
		panic(err)
	}
	var signer ossauth.Signer // one per process: it keeps the day's signing keys
	signed, err := signer.PresignV4(ossauth.Credentials{AccessKeyID: "ak", AccessKeySecret: "sk"}, ossauth.PresignV4Options{
		Endpoint: ep,
		Method:   "PUT",
		Bucket:   "bucket",
		Key:      "1234+-/123/1.txt",
		Region:   "cn-hangzhou",
		Expires:  599 * time.Second,
		Header: http.Header{
			"X-Oss-Head1":  {"value"},
			"Abc":          {"value"},
			"Zabc":         {"value"},
			"Xyz":          {"value"},
			"Content-Type": {"application/octet-stream"},
		},
		Query: url.Values{
			"param1": {"value1"}, "+param1": {"value3"}, "|param1": {"value4"},
			"+param2": {""}, "|param2": {""}, "param2": {""},
		},
	}, time.Unix(1702781677, 0))
	if err != nil {
		panic(err)
	}
	u, _ := url.Parse(signed)
	q := u.Query()
	for _, p := range []string{"x-oss-signature-version", "x-oss-expires", "x-oss-credential", "x-oss-signature"} {
		fmt.Printf("%s=%s\n", p, q.Get(p))
	}
	// Output:
	// x-oss-signature-version=OSS4-HMAC-SHA256
	// x-oss-expires=599
	// x-oss-credential=ak/20231217/cn-hangzhou/oss/aliyun_v4_request
	// x-oss-signature=a39966c61718be0d5b14e668088b3fa07601033f6518ac7b523100014269c0fe
}

// A POST policy for one key of at most 10 MiB, signed with the credentials, region and time of the
// official presign vector above. No SDK test pins a V4 POST signature: the document below is the
// format of OSS's "POST V4 signature" reference
// (https://help.aliyun.com/en/oss/developer-reference/signature-version-4-recommend) written by
// hand, and the signature is what ali-oss 6.23.0's signPostObjectPolicyV4 computes for it
// (testdata/alioss_post_v4.js, as TestPostPolicyV4MatchesAliOSS runs it).
func ExampleSigner_SignPostPolicyV4() {
	now := time.Unix(1702781677, 0)
	var signer ossauth.Signer
	form, err := signer.SignPostPolicyV4(ossauth.Credentials{AccessKeyID: "ak", AccessKeySecret: "sk"}, ossauth.PostPolicyV4Options{
		Bucket:     "bucket",
		Region:     "cn-hangzhou",
		Expiration: now.Add(10 * time.Minute),
		Conditions: []ossauth.Condition{
			ossauth.Eq("key", "1234+-/123/1.txt"),
			ossauth.ContentLengthRange(0, 10<<20),
		},
	}, now)
	if err != nil {
		panic(err)
	}
	doc, _ := base64.StdEncoding.DecodeString(form.Policy)
	fmt.Println(string(doc))
	fmt.Println("x-oss-credential:", form.Credential)
	fmt.Println("x-oss-date:", form.Date)
	fmt.Println("x-oss-signature:", form.Signature)
	// Output:
	// {"expiration":"2023-12-17T03:04:37.000Z","conditions":[{"bucket":"bucket"},{"x-oss-signature-version":"OSS4-HMAC-SHA256"},{"x-oss-credential":"ak/20231217/cn-hangzhou/oss/aliyun_v4_request"},{"x-oss-date":"20231217T025437Z"},["eq","$key","1234+-/123/1.txt"],["content-length-range",0,10485760]]}
	// x-oss-credential: ak/20231217/cn-hangzhou/oss/aliyun_v4_request
	// x-oss-date: 20231217T025437Z
	// x-oss-signature: 3a8ab6be3c3b1721c45faac43a1f01f0c20f735ae972e60ed0772c3e5e43fb21
}
