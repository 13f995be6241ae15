// Package osscallback is OSS's upload callback, both ways: the callback parameter the signers hand
// out (Param, Vars), OSS's RSA signature over the callback request (stringToSign, Verify), the
// public keys it names (Keys, fetched only from trusted URL prefixes and cached), the callback body
// this bundle asks for (ParseBody), and the notification of a verified upload to a webhook signed
// per Standard Webhooks (Webhook).
//
// How OSS calls back, from its "Callback" API reference
// (https://help.aliyun.com/en/oss/developer-reference/callback, also
// https://www.alibabacloud.com/help/doc-detail/31989.htm):
//
//   - The client passes callback = base64(JSON {callbackUrl, callbackHost?, callbackBody,
//     callbackBodyType}) as the x-oss-callback header (PutObject, CompleteMultipartUpload), the
//     callback query parameter of a presigned URL, or the callback form field (PostObject); custom
//     variables as x-oss-callback-var (base64 JSON of {"x:name": "value"}), the callback-var query
//     parameter, or x:name form fields. Custom variable names start with x: and are lower case.
//   - After storing the object, OSS POSTs callbackBody to callbackUrl with ${bucket}, ${object},
//     ${etag}, ${size}, ${mimeType}, ${imageInfo.height}, ${imageInfo.width}, ${imageInfo.format}
//     and ${x:name} replaced (URL-encoded for application/x-www-form-urlencoded).
//   - The request carries authorization = base64(RSA PKCS#1 v1.5 signature, MD5 digest, of
//     urldecode(path) + query-with-its-"?" + "\n" + body) and x-oss-pub-key-url = base64(URL of the
//     PEM public key). The key URL must be checked to start with https://gosspublic.alicdn.com/ or
//     http://gosspublic.alicdn.com/ before it is fetched.
//   - OSS waits 5 seconds for the answer and never retries. A 200 answer with a JSON body is
//     relayed to the uploading client; anything else gives the client 203 CallbackFailed, and the
//     object stays stored either way.
//
// OSS's published callback key is a 512-bit RSA key: Go 1.24+ verifies it only with the
// rsa1024min=0 GODEBUG setting, which the callback function's main package sets.
package osscallback
