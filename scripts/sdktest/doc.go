// Package sdktest holds the tests that use Alibaba's OSS Go SDKs as independent parties: the local
// OSS (internal/localoss) must accept what the SDK v2 signs and sends, refuse it tampered with OSS's
// error codes, and answer callbacks and multipart uploads as the SDK expects; the product's presigned
// URLs (shared/ossauth) must equal both SDKs'; and the signer's presign is benchmarked beside the
// SDK v2's in one binary.
//
// They live in the tooling module so that the product's go.mod needs only the SDK the functions use
// (github.com/aliyun/aliyun-oss-go-sdk, v1); the product's own tests check the same server with that
// SDK, and the signer with the official vectors, ali-oss and the local OSS.
package sdktest
