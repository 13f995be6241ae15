// Package localcred is the credential registry shared by the local stack's fake STS and local OSS.
//
// The fake STS (internal/fakests) registers every AccessKey it knows or issues here; the local OSS
// (internal/localoss) looks keys up here to verify signatures, security tokens, expiry and the session
// policy attached to a temporary key. It exists only for local runs and tests: nothing deployed uses it.
package localcred
