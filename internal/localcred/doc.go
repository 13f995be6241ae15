// Package localcred is the credential registry shared by the local stack's fake STS and local OSS.
//
// The fake STS (internal/fakests) registers every AccessKey it knows or issues here; the local OSS
// (internal/localoss) looks keys up here to verify signatures, security tokens and expiry. Both hold a
// request to the key's RAM policies (Key.Permits: its identity policy and, for a temporary key, its
// session policy). It exists only for local runs and tests: nothing deployed uses it.
package localcred
