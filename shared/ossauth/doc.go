// Package ossauth signs Alibaba Cloud OSS requests: signature V4 (OSS4-HMAC-SHA256) header
// authorization, presigned URLs and PostObject policies, and signature V1 (HMAC-SHA1) for the same
// three, which OSS still accepts and which the official golden vectors pin.
//
// The package is pure: standard library only, no clock, no environment, no I/O. The signing time is
// always an argument, so every function is deterministic and testable against fixed vectors.
//
// What a signature authorises is exactly what it covers: for a presigned URL the method, the
// /bucket/key, every query parameter (V4) and the Content-Type, Content-MD5 and x-oss-* headers the
// client must send; for a POST policy, the conditions of the policy until its expiration. Temporary
// (STS) credentials add their security token to every signature, and what they sign dies with them.
//
// A Signer signs exactly as the package functions and keeps the V4 signing keys it derives (a key
// is valid for a day per secret and region), so a function that holds one for its process derives
// one key per credential per day instead of one per request. Its cache is the only state in the
// package; the clock is still an argument.
//
// The OSS Go SDKs can presign too, but they read the clock themselves and want a client per
// credential; this package takes the time as an argument and is checked against both SDKs
// (differential tests) and their official vectors.
package ossauth
