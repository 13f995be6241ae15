// Package localoss is a strict local stand-in for Alibaba Cloud OSS, for the local stack and
// end-to-end tests. No machine here reaches OSS, so this server checks what OSS would check:
// it recomputes every signature from the OSS specification, written independently of the
// project's own signing code so that it is an independent check of it.
//
// # Serving
//
//	srv, err := localoss.New(localoss.Options{
//		Dir:     dataDir,             // objects live under it
//		Keys:    registry,            // *localcred.Registry: who may sign
//		Buckets: []string{"uploads"},
//		Region:  "cn-hangzhou",       // V4 scopes must name it
//	})
//	http.ListenAndServe("127.0.0.1:9000", srv)
//
// or Start(opts) / Listen(addr, opts) for a server on a loopback listener with a URL and Close.
// Requests are path style, http://127.0.0.1:PORT/<bucket>/<key>, with PostObject forms posted to
// /<bucket> or /<bucket>/. A Host of <bucket>.<anything> is also understood (virtual-host style).
//
// # Authentication
//
//   - V1 header: Authorization: OSS <ak>:<sig>, with Date (or x-oss-date, what ali-oss sends
//     from browsers) within 15 minutes of the server clock.
//   - V4 header: Authorization: OSS4-HMAC-SHA256 Credential=<ak>/<date>/<region>/oss/aliyun_v4_request,
//     [AdditionalHeaders=a;b,]Signature=<hex>, with x-oss-date (and usually x-oss-content-sha256).
//   - V1 URL: OSSAccessKeyId, Expires (Unix seconds), Signature, [security-token].
//   - V4 URL: x-oss-signature-version, x-oss-credential, x-oss-date, x-oss-expires (1..604800
//     seconds after x-oss-date), [x-oss-additional-headers], [x-oss-security-token], x-oss-signature.
//   - V1 PostObject: OSSAccessKeyId, policy, Signature; V4 PostObject: policy,
//     x-oss-signature-version, x-oss-credential, x-oss-date, x-oss-signature; both with an
//     optional x-oss-security-token. Form field names are case-insensitive.
//
// A key registered with a SecurityToken must come with that token; an expired key gives
// SecurityTokenExpired; a key is held to its IdentityPolicy (its role's RAM policy) and, for a
// temporary key, its session Policy: both must allow the operation's RAM action on
// acs:oss:*:*:<bucket>/<key> (localcred Key.Permits; explicit Deny wins). Unsigned requests are refused except
// GET/HEAD when Options.PublicRead is set. CORS preflight (OPTIONS) needs no authentication.
//
// # Operations
//
// PutObject, GetObject, HeadObject, DeleteObject, PostObject, InitiateMultipartUpload,
// UploadPart, CompleteMultipartUpload, AbortMultipartUpload and ListParts.
//
// PostObject follows OSS's form rules (PostObject, https://www.alibabacloud.com/help/en/oss/developer-reference/postobject):
// every form field is taken whether or not the policy names it; the stored type is
// x-oss-content-type, else the Content-Type field, else the file part's type; Cache-Control,
// Content-Disposition, Content-Encoding, Expires and x-oss-meta-* are stored; policy conditions may
// name any field and match an absent one as ""; success_action_redirect answers 303 to any URL
// unless the policy binds it; x-oss-forbid-overwrite must be true or false (postobject.go,
// postpolicy.go). A presigned PUT's x-oss-additional-headers (Content-Length, Content-Disposition)
// are signed with the request's values, so another size or disposition is SignatureDoesNotMatch
// and a missing one AccessDenied (auth.go).
//
// Errors are OSS XML
// bodies (Code, Message, RequestId, HostId and OSS's extra elements) with OSS's codes and statuses;
// see the Code* constants.
//
// # Upload callbacks
//
// A PutObject or CompleteMultipartUpload with x-oss-callback (or the callback query parameter of a
// signed URL) and x-oss-callback-var, or a PostObject with a callback field and x: fields, is
// called back as OSS does (see callback.go): after storing, the server POSTs callbackBody with the
// variables substituted (imageInfo from PNG, JPEG and GIF headers), signed with an RSA key it makes
// at first use and serves at CallbackKeyPath (x-oss-pub-key-url names http://<Host>CallbackKeyPath);
// a 200 JSON answer is relayed to the client, anything else gives 203 CallbackFailed with the object
// stored. A malformed callback parameter is refused with InvalidArgument before anything is stored.
//
// # Storage
//
// Key "a/b/c" of bucket B is stored as <Dir>/B/a.dir/b.dir/c.obj with its ObjectMeta as JSON in
// c.meta next to it. The suffixes keep directories, bytes and metadata apart for every possible
// key, and keys with "." or ".." segments, a leading "/", "\" or NUL are refused with
// InvalidObjectName, so nothing is ever written outside Dir. Bodies are streamed to
// <Dir>/.tmp and renamed into place; multipart uploads live in <Dir>/.uploads/<UploadId>.
// (*Server).Object and (*Server).ListKeys read the store for tests.
//
// # Logging
//
// Options.Logger gets one line per request (request id, operation, bucket, key, AccessKeyId,
// status, error code) and never a signature, token, secret, policy or signed URL.
package localoss
