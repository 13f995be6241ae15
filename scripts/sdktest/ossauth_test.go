package sdktest

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	ossv2 "github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	ossv2cred "github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	ossv1 "github.com/aliyun/aliyun-oss-go-sdk/oss"

	"github.com/fc-oss-upload/fc-oss-upload/shared/ossauth"
)

// The product's presigned URLs against both OSS Go SDKs'. The SDKs presign with the real clock, so
// each case reads the signing time back from the SDK's URL, signs the same request with ossauth at
// that time and compares.

// presignerCreds are STS-shaped credentials whose 600-character token holds the characters URL
// escaping has to encode.
var presignerCreds = ossauth.Credentials{
	AccessKeyID:     "STS.NUexampleexample1234567",
	AccessKeySecret: "9bXKzQ7uVrJ1pT3mW8sLcE5aYdF2hG6nBoR4iK0t",
	SecurityToken:   "CAIS" + strings.Repeat("a+b/c=d9", 74) + "xy==",
}

// sdkPresigner is the SDK v2 client of creds, built once as a handler would.
func sdkPresigner(creds ossauth.Credentials) *ossv2.Client {
	return ossv2.NewClient(ossv2.LoadDefaultConfig().WithRegion("cn-hangzhou").
		WithCredentialsProvider(ossv2cred.NewStaticCredentialsProvider(creds.AccessKeyID, creds.AccessKeySecret, creds.SecurityToken)))
}

// sdkPresignPUT is the SDK v2's presigned PUT of key into examplebucket, its type bound, for 10 minutes.
func sdkPresignPUT(tb testing.TB, client *ossv2.Client, key string) *ossv2.PresignResult {
	res, err := client.Presign(context.Background(), &ossv2.PutObjectRequest{
		Bucket: ossv2.Ptr("examplebucket"), Key: ossv2.Ptr(key), ContentType: ossv2.Ptr("image/png"),
	}, ossv2.PresignExpires(10*time.Minute))
	if err != nil || res.URL == "" {
		tb.Fatal(err)
	}
	return res
}

// diffKeys are the keys the SDKs' presigned URLs are compared on: + / % space 中文 ~ ( ) = &.
var diffKeys = []string{"uploads/photo.png", testKey, "uploads/100% sure/x=y&z.txt", "uploads/space in name/ tilde~ (paren).bin"}

// eachDiffCase calls f for every key of diffKeys, with permanent and with temporary credentials.
func eachDiffCase(f func(creds ossauth.Credentials, key string)) {
	for _, token := range []string{"", presignerCreds.SecurityToken} {
		for _, key := range diffKeys {
			creds := presignerCreds
			creds.SecurityToken = token
			f(creds, key)
		}
	}
}

// presignLikeSDK presigns with ossauth the PUT of key into examplebucket (cn-hangzhou) that an SDK
// presigned as sdkURL, signed with header, at the time and for the lifetime the SDK's URL states; it
// returns both URLs parsed.
func presignLikeSDK(t *testing.T, creds ossauth.Credentials, key, sdkURL string, header http.Header) (sdk, ours *url.URL) {
	t.Helper()
	sdk, err := url.Parse(sdkURL)
	if err != nil {
		t.Fatal(err)
	}
	now, err := time.Parse("20060102T150405Z", sdk.Query().Get("x-oss-date"))
	if err != nil {
		t.Fatal(err)
	}
	secs, _ := strconv.Atoi(sdk.Query().Get("x-oss-expires"))
	ep, err := ossauth.ParseEndpoint("", "examplebucket", "cn-hangzhou")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := new(ossauth.Signer).PresignV4(creds, ossauth.PresignV4Options{Endpoint: ep, Method: "PUT", Bucket: "examplebucket", Key: key,
		Region: "cn-hangzhou", Expires: time.Duration(secs) * time.Second, Header: header}, now)
	if err != nil {
		t.Fatal(err)
	}
	if ours, err = url.Parse(raw); err != nil {
		t.Fatal(err)
	}
	return sdk, ours
}

// sameParams reports each of params whose value differs between the SDK's URL and ours.
func sameParams(t *testing.T, sdkName, key string, sdk, ours *url.URL, params ...string) {
	t.Helper()
	for _, p := range params {
		if got, want := ours.Query().Get(p), sdk.Query().Get(p); got != want {
			t.Errorf("key %q: %s = %q, %s has %q", key, p, got, sdkName, want)
		}
	}
}

func TestPresignV4MatchesSDKv2(t *testing.T) {
	t.Parallel()
	eachDiffCase(func(creds ossauth.Credentials, key string) {
		res := sdkPresignPUT(t, sdkPresigner(creds), key)
		h := http.Header{}
		for k, v := range res.SignedHeaders {
			h.Set(k, v)
		}
		sdk, ours := presignLikeSDK(t, creds, key, res.URL, h)
		sameParams(t, "SDK v2", key, sdk, ours, "x-oss-credential", "x-oss-security-token", "x-oss-signature-version", "x-oss-signature")
		// The same URL, but for the order of its parameters.
		if sdk.Scheme+"://"+sdk.Host+sdk.EscapedPath() != ours.Scheme+"://"+ours.Host+ours.EscapedPath() || len(ours.Query()) != len(sdk.Query()) {
			t.Errorf("SDK URL %s, ours %s", sdk, ours)
		}
	})
}

// TestPresignV4MatchesSDKv1: the SDK the callback function uses, V4.
func TestPresignV4MatchesSDKv1(t *testing.T) {
	t.Parallel()
	eachDiffCase(func(creds ossauth.Credentials, key string) {
		opts := []ossv1.ClientOption{ossv1.AuthVersion(ossv1.AuthV4), ossv1.Region("cn-hangzhou")}
		if creds.SecurityToken != "" {
			opts = append(opts, ossv1.SecurityToken(creds.SecurityToken))
		}
		client, err := ossv1.New("https://oss-cn-hangzhou.aliyuncs.com", creds.AccessKeyID, creds.AccessKeySecret, opts...)
		if err != nil {
			t.Fatal(err)
		}
		bucket, err := client.Bucket("examplebucket")
		if err != nil {
			t.Fatal(err)
		}
		signed, err := bucket.SignURL(key, ossv1.HTTPPut, 600, ossv1.ContentType("image/png"))
		if err != nil {
			t.Fatal(err)
		}
		sdk, ours := presignLikeSDK(t, creds, key, signed, http.Header{"Content-Type": {"image/png"}})
		sameParams(t, "SDK v1", key, sdk, ours, "x-oss-credential", "x-oss-security-token", "x-oss-signature")
		// SDK v1 escapes '/' in the path; OSS decodes both forms to the same key.
		if got, _ := url.PathUnescape(strings.TrimPrefix(sdk.EscapedPath(), "/examplebucket/")); got != key && strings.TrimPrefix(sdk.Path, "/") != key {
			t.Errorf("SDK v1 URL addresses %q, want %q", sdk.Path, key)
		}
	})
}

// BenchmarkSDKv2PresignURL and BenchmarkOSSAuthPresignV4URL presign the same URL (the PUT of the
// presignedurl function: one key, its type bound, 10 minutes, STS credentials) with the official
// OSS Go SDK v2 and with a warm ossauth.Signer, in one binary, so that one `go test -bench` run
// measures both. shared/ossauth's own benchmarks cover its cold start, POST policies and contention.
func BenchmarkSDKv2PresignURL(b *testing.B) {
	client := sdkPresigner(presignerCreds)
	b.ReportAllocs()
	for b.Loop() {
		sdkPresignPUT(b, client, "uploads/2026/11/23/6b1c0c1e9f2a4d3c8e7f0a1b2c3d4e5f.png")
	}
}

func BenchmarkOSSAuthPresignV4URL(b *testing.B) {
	ep, err := ossauth.ParseEndpoint("", "examplebucket", "cn-hangzhou")
	if err != nil {
		b.Fatal(err)
	}
	opts := ossauth.PresignV4Options{Endpoint: ep, Method: "PUT", Bucket: "examplebucket", Key: "uploads/2026/11/23/6b1c0c1e9f2a4d3c8e7f0a1b2c3d4e5f.png",
		Region: "cn-hangzhou", Expires: 10 * time.Minute, Header: http.Header{"Content-Type": {"image/png"}}}
	var s ossauth.Signer
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		if u, err := s.PresignV4(presignerCreds, opts, now); err != nil || u == "" {
			b.Fatal(err)
		}
	}
}
