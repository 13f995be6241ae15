// Package api holds the JSON answers of every route of the bundle, as the handlers write them and
// as clients, load tests and end-to-end tests decode them (like aws-lambda-go's events). It holds
// types only.
package api

import "encoding/json"

// Error is the body of every error answer. Code is one of upload's stable codes.
type Error struct {
	Error struct {
		Code      string `json:"code"`
		Message   string `json:"message"`
		RequestID string `json:"requestId,omitempty"`
	} `json:"error"`
}

// Token is the sts function's answer (GET or POST /get_sts_token_for_oss_upload). It keeps the
// field names of Alibaba's published browser code (AccessKeyId, AccessKeySecret, SecurityToken,
// Expiration) and adds where the token may upload.
type Token struct {
	AccessKeyID     string `json:"AccessKeyId"`
	AccessKeySecret string `json:"AccessKeySecret"`
	SecurityToken   string `json:"SecurityToken"`
	Expiration      string `json:"Expiration"`
	Bucket          string `json:"Bucket"`
	Region          string `json:"Region"`
	Endpoint        string `json:"Endpoint"`
	Cname           bool   `json:"Cname"`
	PathStyle       bool   `json:"PathStyle"`
	Dir             string `json:"Dir"`
	// Callback, with OSS_CALLBACK_URL set, is ali-oss's callback option for put and
	// multipartUpload (add customValue.filename). The client may leave it out: with STS the
	// notification is best effort.
	Callback *Callback `json:"Callback,omitempty"`
}

// Callback is the callback option of ali-oss's put and multipartUpload ({url, body, contentType,
// customValue}); ali-oss turns it into the x-oss-callback and x-oss-callback-var headers and
// prefixes each customValue name with "x:".
type Callback struct {
	URL         string            `json:"url"`
	Body        string            `json:"body"`
	ContentType string            `json:"contentType"`
	CustomValue map[string]string `json:"customValue"`
}

// PostPolicy is the postsignature function's answer (/get_post_signature_for_oss_upload). It keeps
// the fields of Alibaba's published V4 form example (policy, x_oss_signature_version,
// x_oss_credential, x_oss_date, signature, security_token, host, dir) and adds the server-chosen
// key, the expiry, and every form field to send, by name.
type PostPolicy struct {
	Policy           string            `json:"policy"`
	SignatureVersion string            `json:"x_oss_signature_version"`
	Credential       string            `json:"x_oss_credential"`
	Date             string            `json:"x_oss_date"`
	Signature        string            `json:"signature"`
	SecurityToken    string            `json:"security_token"`
	Host             string            `json:"host"`
	Dir              string            `json:"dir"`
	Key              string            `json:"key,omitempty"`
	Expire           int64             `json:"expire"`
	Expiration       string            `json:"expiration"`
	MaxSize          int64             `json:"max_size"`
	Fields           map[string]string `json:"fields"`
	// Callback is the callback form field (with OSS_CALLBACK_URL), under the name Alibaba's
	// callback form example reads.
	Callback string `json:"callback,omitempty"`
}

// PresignedPut is the presignedurl function's JSON answer (/get_presigned_url_for_oss_upload with
// Accept: application/json); without it the URL alone is the answer, as text/plain, which is what
// Alibaba's published client reads.
type PresignedPut struct {
	URL        string            `json:"url"`
	Method     string            `json:"method"`
	Headers    map[string]string `json:"headers"`
	Key        string            `json:"key"`
	Expire     int64             `json:"expire"`
	Expiration string            `json:"expiration"`
}

// The answers of Uppy Companion's S3 routes (presignedurl /s3/...), as @uppy/companion 6.2.2
// src/server/controllers/s3.js writes them and @uppy/aws-s3 reads them.

// Params is the answer to GET /s3/params: a form upload. Uppy 6 always posts the fields as a form
// (S3Client.postObject); Uppy 5 does when method is POST.
type Params struct {
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Fields  map[string]string `json:"fields"`
	Headers map[string]string `json:"headers"`
	Expires int64             `json:"expires"` // seconds, as Companion
}

// Multipart is the answer to POST /s3/multipart: the upload started.
type Multipart struct {
	Key      string `json:"key"`
	UploadID string `json:"uploadId"`
	Bucket   string `json:"bucket"`
	// Size is the file's size, bound to the upload by its key; Parts is how many parts it takes.
	Size     int64 `json:"size"`
	Parts    int   `json:"parts"`
	PartSize int64 `json:"partSize"`
	MaxParts int   `json:"maxParts"`
}

// PartURL is the answer to GET /s3/multipart/{uploadId}/{partNumber}: a presigned UploadPart URL.
type PartURL struct {
	URL     string            `json:"url"`
	Method  string            `json:"method"`
	Headers map[string]string `json:"headers"`
	Expires int64             `json:"expires"` // seconds, as Companion
	// ContentLength is the exact size the URL is signed for: the part's length.
	ContentLength int64 `json:"contentLength"`
}

// Part is one part OSS holds for an upload; GET /s3/multipart/{uploadId} answers a list of them.
type Part struct {
	PartNumber   int    `json:"PartNumber"`
	Size         int64  `json:"Size"`
	ETag         string `json:"ETag"`
	LastModified string `json:"LastModified,omitempty"`
}

// Completed is the answer to POST /s3/multipart/{uploadId}/complete.
type Completed struct {
	Location string `json:"location"`
	Key      string `json:"key"`
	Bucket   string `json:"bucket"`
	Size     int64  `json:"size"`
	// Callback is the callback function's answer (Uploaded), which OSS relays (with
	// OSS_CALLBACK_URL).
	Callback json.RawMessage `json:"callback,omitempty"`
}

// Uploaded is the callback function's answer to OSS (POST /oss_upload_callback), which OSS relays
// to the uploading client as the upload's response body: the object as OSS stored it.
type Uploaded struct {
	Key         string `json:"key"`
	Size        int64  `json:"size"`
	ETag        string `json:"etag"`
	ContentType string `json:"contentType"`
	Image       *Image `json:"image"`
}

// Image is what OSS reports of an image: pixels and its format name (e.g. "png", "jpg").
type Image struct {
	Width  int    `json:"width"`
	Height int    `json:"height"`
	Format string `json:"format"`
}
