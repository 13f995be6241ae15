// Package ossauth signs what the upload functions hand out with Alibaba Cloud OSS signature V4
// (OSS4-HMAC-SHA256): presigned URLs (Signer.PresignV4) and PostObject policies
// (Signer.SignPostPolicyV4), with crypto/hmac, strings.Builder and encoding/json.
//
// The package is pure: standard library only, no clock, no environment, no I/O. The signing time is
// always an argument, so every signature is deterministic and testable against fixed vectors.
//
// What a signature authorises is exactly what it covers: for a presigned URL the method, the
// /bucket/key, every query parameter and the Content-Type, Content-MD5 and x-oss-* headers (plus
// any additional headers) the client must send; for a POST policy, the conditions of the policy
// until its expiration. Temporary (STS) credentials add their security token to every signature,
// and what they sign dies with them.
//
// A Signer keeps the signing keys it derives (a key is valid for a day per secret and region), so
// a function that holds one for its process derives one key per credential per day instead of one
// per request. Its cache is the only state in the package; the clock is still an argument.
//
// The OSS Go SDKs can presign too, but they read the clock themselves and want a client per
// credential. This package is checked against the SDKs' official vectors (internal/ossvectors),
// against both Go SDKs (differential tests) and, for POST policies, against ali-oss.
package ossauth
