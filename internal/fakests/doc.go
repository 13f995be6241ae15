// Package fakests is a fake Alibaba Cloud STS for the local stack and tests. It serves the AssumeRole
// action (API version 2015-04-01) the way github.com/alibabacloud-go/sts-20150401/v2 and credentials-go's
// ram_role_arn provider call it, and nothing else.
//
// # Wire format
//
// RPC style: a POST (GET is accepted too) to "/" with every parameter in the query string, as the sts
// client sends it, or with the action parameters (RoleArn, RoleSessionName, DurationSeconds, Policy,
// ExternalId) in an application/x-www-form-urlencoded body, as credentials-go sends them. Query and
// body parameters are merged and signed together (RPC signature v1.0:
// base64(HMAC-SHA1(secret+"&", METHOD+"&%2F&"+percentEncode(sorted k=v&...)))). The signature is
// recomputed here independently of the SDKs.
//
// # What is verified, in order
//
//  1. Action=AssumeRole, Version=2015-04-01, Format JSON (either case; absent means JSON).
//  2. Signature, SignatureMethod=HMAC-SHA1, SignatureVersion=1.0, SignatureNonce, AccessKeyId and
//     Timestamp present (IncompleteSignature / MissingParameter otherwise).
//  3. Timestamp (2006-01-02T15:04:05Z) within 15 minutes of Options.Now (InvalidTimeStamp.Expired).
//  4. The caller AccessKeyId exists in the localcred registry (InvalidAccessKeyId.NotFound) and the
//     signature matches its secret (SignatureDoesNotMatch).
//  5. SignatureNonce not seen in the last 15 minutes (SignatureNonceUsed). Only correctly signed
//     requests burn a nonce.
//  6. A temporary caller key (one with a SecurityToken) must send the same SecurityToken and not be
//     expired (MissingSecurityToken, InvalidSecurityToken.MismatchWithAccessKey,
//     InvalidSecurityToken.Expired).
//  7. RoleArn present (MissingParameter) and configured in Options.Roles (EntityNotExist.Role); when the
//     Role lists Principals, the caller AccessKeyId must be one of them (NoPermission); the caller's
//     policies (localcred Key.Permits: its identity policy and, for a temporary key, its session
//     policy) must allow sts:AssumeRole on the RoleArn (NoPermission), as RAM requires both the
//     role's trust and the caller's permission.
//  8. RoleSessionName 2-64 characters of [A-Za-z0-9_.@-] (MissingParameter,
//     InvalidParameter.RoleSessionName).
//  9. DurationSeconds, default 3600, within 900..Options.MaxSessionDuration
//     (InvalidParameter.DurationSeconds).
//  10. Policy, when present: at most 2048 characters of JSON with "Version" and a non-empty "Statement"
//     list whose entries have Effect Allow or Deny (InvalidParameter.PolicyGrammar).
//
// Errors are written as real STS does: an HTTP 4xx/5xx status and the JSON body
// {"RequestId","HostId","Code","Message","Recommend"}; the sts client surfaces them as *tea.SDKError
// with that Code.
//
// # What is issued
//
// A successful call returns
// {"RequestId","AssumedRoleUser":{"Arn","AssumedRoleId"},"Credentials":{"AccessKeyId","AccessKeySecret","SecurityToken","Expiration"}}
// with AccessKeyId "STS."+random, a random secret and token, and Expiration = Now + DurationSeconds
// formatted 2006-01-02T15:04:05Z. The key is registered in Options.Registry (localcred) with its token
// and expiry, the Role's Policy as its identity policy and the request's session Policy, if any: the
// local OSS allows it only what both allow, the intersection RAM gives an AssumeRole token
// (https://www.alibabacloud.com/help/en/ram/policy-evaluation-process). A role without a Policy
// restricts nothing (localcred: nil allows all).
//
// # Faults and observation
//
// InjectFaults queues faults applied to the next calls, one per call (Throttling, 500, 503, hang,
// malformed JSON, 200 with missing fields, expired or about-to-expire credentials). SetDelay adds a
// response delay. Options.RateLimit throttles like STS (DefaultRateLimit is STS's 100 AssumeRole/s):
// calls over it in any second are answered HTTP 400 Throttling.User. Stats counts calls, successes
// and throttled calls; LastRequest returns the parsed parameters of the
// latest call. All of these are safe for concurrent use.
//
// Logs: one slog line per call with the request id, caller AccessKeyId, RoleArn, RoleSessionName,
// outcome code and duration. Secrets, tokens, signatures and policies are never logged.
//
// Typical use:
//
//	reg := localcred.NewRegistry()
//	reg.Put(localcred.Key{AccessKeyID: "LTAIcaller", AccessKeySecret: "callersecret"})
//	sts, err := fakests.New(fakests.Options{
//		Registry: reg,
//		Roles:    map[string]fakests.Role{"acs:ram::1234567890123456:role/uploader": {}},
//	})
//	addr, err := sts.Start() // "127.0.0.1:PORT"; use as openapi.Config Endpoint with Protocol "http"
//	defer sts.Close()
package fakests
