// Package stscred issues upload credentials: it calls STS AssumeRole with a session policy that
// narrows the role to uploading under one prefix of one bucket, and caches the result per prefix
// so that one AssumeRole serves every request of an instance until the credentials near expiry.
//
// STS throttles AssumeRole at about 100 calls per second per account; the cache (one call in
// flight per prefix, early refresh, stale-while-valid on failure, retries with backoff and
// jitter inside the request deadline) is what keeps uploads working under load and STS faults.
// Only this package sees the STS SDK's types.
package stscred
