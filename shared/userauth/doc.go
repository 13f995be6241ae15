// Package userauth verifies the caller's JWT inside the function and turns its user claim into the
// one key segment that user may upload under.
//
// A Verifier checks an `Authorization: Bearer <jwt>` token against an OIDC provider's JSON Web Key
// Set (fetched from a URL and cached, or given inline): the signature with a key of the set whose
// type fits the token's algorithm (RS256/384/512, PS256/384/512, ES256/384/512, EdDSA; never
// "none" or an HMAC algorithm), `iss` equal to the configured issuer, the configured audience in
// `aud`, `exp` present and not passed, `nbf` and `iat` not in the future, with at most leeway (60 s)
// of clock skew. The user claim (default `sub`) must be a non-empty string. Claim names are matched
// exactly (`EXP` is not `exp`) and a payload that names a claim twice is refused.
//
// Segment encodes a user id as one key segment injectively: ids made of letters, digits and
// `- _ . @` are kept as they are; other bytes are escaped as `~XX`; ids too long to escape within
// MaxSegmentBytes become a readable prefix plus `~~` and a SHA-256 digest. Distinct ids never share
// a segment, so distinct users never share a prefix or STS credentials.
//
// Parsing and signature checks are github.com/go-jose/go-jose/v4's (the algorithm allow-list is
// applied before anything else is read); this package adds the key-set cache, the key/algorithm fit
// and the claim rules.
package userauth
