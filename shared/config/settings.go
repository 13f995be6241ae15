package config

import "slices"

// The function names, as in functions/<name> and s.yaml.
const (
	FunctionSTS           = "sts"
	FunctionPostSignature = "postsignature"
	FunctionPresignedURL  = "presignedurl"
	FunctionCallback      = "callback"
)

// Functions lists every function of the bundle.
var Functions = []string{FunctionSTS, FunctionPostSignature, FunctionPresignedURL, FunctionCallback}

// Authorizers are the functions that hand out upload authorizations (the browser-facing APIs);
// callback is the fourth, which only OSS calls.
var Authorizers = []string{FunctionSTS, FunctionPostSignature, FunctionPresignedURL}

// Setting describes one environment variable.
type Setting struct {
	Name      string
	Functions []string // the functions that read it; empty means all
	Required  bool
	Default   string
	Doc       string
}

// AppliesTo reports whether function reads the setting.
func (s Setting) AppliesTo(function string) bool {
	return len(s.Functions) == 0 || slices.Contains(s.Functions, function)
}

var signers = []string{FunctionPostSignature, FunctionPresignedURL}

// defaultCallbackTrustedKeyURLs are the prefixes OSS's callback public key URLs start with (OSS
// "Callback" API reference, https://help.aliyun.com/en/oss/developer-reference/callback: verify that
// x-oss-pub-key-url starts with one of them before fetching the key).
const defaultCallbackTrustedKeyURLs = "https://gosspublic.alicdn.com/,http://gosspublic.alicdn.com/"

// defaultAliOSSURL is the public CDN build of ali-oss that the STS demo page loads.
const defaultAliOSSURL = "https://gosspublic.alicdn.com/aliyun-oss-sdk-6.23.0.min.js"

// defaultUppyURL is the public CDN folder of the Uppy bundle (npm package uppy, the version pinned
// in scripts/node/package.json) that presignedurl's Uppy page loads.
const defaultUppyURL = "https://cdn.jsdelivr.net/npm/uppy@6.0.1/dist/"

// Settings lists every environment variable the functions read.
var Settings = []Setting{
	{Name: "OSS_BUCKET", Required: true, Doc: "Bucket that uploads go to."},
	{Name: "OSS_REGION", Required: true, Doc: "Region of the bucket, e.g. cn-hangzhou (oss-cn-hangzhou is accepted)."},
	{Name: "OSS_ENDPOINT", Doc: "Where clients upload: empty for https://<bucket>.oss-<region>.aliyuncs.com; an aliyuncs.com host (e.g. the -internal one), a custom domain bound to the bucket (CNAME), or http://127.0.0.1:PORT for a local OSS (path-style)."},
	{Name: "OSS_INTERNAL_ENDPOINT", Functions: []string{FunctionPresignedURL}, Doc: "Where the function itself calls OSS for multipart uploads (initiate, list parts, complete, abort): empty for the region's internal endpoint https://oss-<region>-internal.aliyuncs.com (reachable from FC in the bucket's region), or the OSS_ENDPOINT when that is a local http://127.0.0.1:PORT."},
	{Name: "OSS_UPLOAD_DIR", Default: "uploads/", Doc: "Prefix every upload lives under; must end with / and hold no RAM wildcard (*, ? or $)."},
	{Name: "OSS_STS_ROLE_ARN", Functions: []string{FunctionSTS}, Required: true, Doc: "RAM role to assume for upload credentials: acs:ram::<account>:role/<name>."},
	{Name: "OSS_STS_ENDPOINT", Functions: []string{FunctionSTS}, Doc: "STS endpoint URL; empty for the regional one (sts.<region>.aliyuncs.com, or sts-vpc.<region>.aliyuncs.com with OSS_STS_NETWORK=vpc)."},
	{Name: "OSS_STS_NETWORK", Functions: []string{FunctionSTS}, Doc: "vpc to call STS over its VPC endpoint (for functions that run in a VPC); empty for public."},
	{Name: "OSS_STS_FUNCTION_ROLE_ARN", Functions: []string{FunctionSTS}, Doc: "ARN of the role attached to the sts function itself (s.yaml passes the same value as the function's role); used only to name it in the fix when AssumeRole is refused."},
	{Name: "OSS_STS_DURATION_SECONDS", Functions: []string{FunctionSTS}, Default: "3600", Doc: "Lifetime of issued credentials, 900 to 43200 seconds (and at most the role's MaxSessionDuration)."},
	{Name: "OSS_MAX_SIZE_BYTES", Functions: signers, Default: "104857600", Doc: "Largest object a POST policy or presigned URL allows, in bytes (at most 5 GiB). Presigned URLs then need the size named (it is signed as Content-Length); 0 means OSS's own 5 GiB limit and lets presigned URLs leave the size unsigned."},
	{Name: "OSS_ALLOWED_CONTENT_TYPES", Functions: signers, Doc: "Comma-separated media types that may be uploaded (image/png,image/jpeg); empty allows any."},
	{Name: "OSS_DEFAULT_CONTENT_TYPE", Functions: signers, Default: "application/octet-stream", Doc: "Content type signed when the client names none and the filename implies none."},
	{Name: "OSS_SIGNATURE_EXPIRES_SECONDS", Functions: signers, Default: "600", Doc: "Lifetime of POST policies and presigned URLs, 1 to 604800 seconds."},
	{Name: "OSS_FORBID_OVERWRITE", Functions: signers, Default: "true", Doc: "true makes uploads fail with FileAlreadyExists instead of replacing an object (clients send x-oss-forbid-overwrite: true, which the responses list); false allows replacing."},
	{Name: "OSS_ALLOW_ACTIVE_CONTENT", Functions: signers, Default: "false", Doc: "false signs Content-Disposition: attachment for every type a browser may execute (HTML, SVG, JavaScript, XML...) and for uploads whose type is not bound, so the bucket's domain serves them as downloads; true stores them as sent (only for buckets whose domain holds nothing a page could abuse)."},
	{Name: "CORS_ALLOWED_ORIGINS", Doc: "Comma-separated origins (https://app.example.com) that may call the function from a browser; empty allows same-origin pages only; * allows any."},
	{Name: "AUTH_JWKS_URL", Doc: "URL (https) of your identity provider's JSON Web Key Set, e.g. https://<tenant>/.well-known/jwks.json. With it (or AUTH_JWKS) every API request needs Authorization: Bearer <JWT>, verified by the function, and every authorization is scoped to <prefix><user segment>/."},
	{Name: "AUTH_JWKS", Doc: "The JSON Web Key Set itself (JSON), instead of AUTH_JWKS_URL."},
	{Name: "AUTH_ISSUER", Doc: "Required with AUTH_JWKS_URL or AUTH_JWKS: the exact iss of your provider's tokens."},
	{Name: "AUTH_AUDIENCE", Doc: "Required with AUTH_JWKS_URL or AUTH_JWKS: the audience (client or API id) that must be in the tokens' aud."},
	{Name: "AUTH_USER_CLAIM", Functions: Authorizers, Default: "sub", Doc: "Claim that names the user; it must be a non-empty string."},
	{Name: "DEMO_TOKEN_URL", Functions: Authorizers, Doc: "Token endpoint of a test issuer the demo pages sign in with by user name (the local stack's); empty: the pages ask for a token to paste."},
	{Name: "OSS_CALLBACK_URL", Functions: Authorizers, Doc: "Public URL of the callback function's route (https://<domain>/oss_upload_callback); when set, every authorization asks OSS to call it after the upload. Empty: no callbacks."},
	{Name: "OSS_CALLBACK_TRUSTED_KEY_URLS", Functions: []string{FunctionCallback}, Default: defaultCallbackTrustedKeyURLs, Doc: "Comma-separated URL prefixes a callback's public key URL (x-oss-pub-key-url) must start with; OSS's own by default."},
	{Name: "WEBHOOK_URL", Functions: []string{FunctionCallback}, Doc: "URL that receives every verified upload as a Standard Webhooks POST; empty: the log line is the only record."},
	{Name: "WEBHOOK_SECRET", Functions: []string{FunctionCallback}, Doc: "Standard Webhooks signing secret for WEBHOOK_URL, whsec_<base64 of 24 to 64 random bytes>; required with WEBHOOK_URL."},
	{Name: "DEMO_UPPY_URL", Functions: []string{FunctionPresignedURL}, Default: defaultUppyURL, Doc: "Folder (ending in /) with uppy.min.js and uppy.min.css that the Uppy demo page of presignedurl loads."},
	{Name: "DEMO_ALIOSS_URL", Functions: []string{FunctionSTS}, Default: defaultAliOSSURL, Doc: "URL of the ali-oss browser build the STS demo page loads."},
}
