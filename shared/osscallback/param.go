package osscallback

import (
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/fc-oss-upload/fc-oss-upload/shared/api"
)

// BodyType is the callbackBodyType this bundle asks for. The form encoding is used instead of
// application/json because OSS substitutes absent values (imageInfo of a file that is not an
// image) as empty strings: a JSON template with bare ${...} numbers would then not parse.
const BodyType = "application/x-www-form-urlencoded"

// The custom variables the signers set (OSS requires x: and lower case).
const (
	VarUser     = "x:user"     // the user segment of the key's prefix ("" without per-user auth)
	VarFilename = "x:filename" // the filename the client asked to upload, as given
)

// Body is the callbackBody template: OSS's system variables and the two custom variables, each
// under a field name of its own (see ParseBody).
const Body = "bucket=${bucket}&object=${object}&etag=${etag}&size=${size}&mimeType=${mimeType}" +
	"&height=${imageInfo.height}&width=${imageInfo.width}&format=${imageInfo.format}" +
	"&user=${x:user}&filename=${x:filename}"

// Parameter is the decoded callback parameter, as OSS's Callback reference names its fields.
type Parameter struct {
	CallbackURL      string `json:"callbackUrl"`
	CallbackHost     string `json:"callbackHost,omitempty"`
	CallbackBody     string `json:"callbackBody"`
	CallbackBodyType string `json:"callbackBodyType"`
}

// Param returns the callback parameter (base64 of the JSON Parameter) that asks OSS to POST Body to
// callbackURL after an upload. It is the value of the x-oss-callback header, the callback query
// parameter of a presigned URL, or the callback form field; a signature or POST policy that covers
// it stops a client from pointing the callback elsewhere. callbackURL must be URL-encoded already.
func Param(callbackURL string) string {
	b, _ := json.Marshal(Parameter{CallbackURL: callbackURL, CallbackBody: Body, CallbackBodyType: BodyType})
	return base64.StdEncoding.EncodeToString(b)
}

// Vars returns the custom variables for Body: the user segment of the upload's prefix and the
// original filename.
func Vars(user, filename string) map[string]string {
	return map[string]string{VarUser: user, VarFilename: filename}
}

// EncodeVars returns vars as the callback-var parameter (base64 of the JSON object), the value of
// the x-oss-callback-var header or the callback-var query parameter.
func EncodeVars(vars map[string]string) string {
	b, _ := json.Marshal(vars)
	return base64.StdEncoding.EncodeToString(b)
}

// AliOSSOption returns the ali-oss callback option for callbackURL and the user; the client adds
// customValue.filename itself.
func AliOSSOption(callbackURL, user string) *api.Callback {
	return &api.Callback{URL: callbackURL, Body: Body, ContentType: BodyType,
		CustomValue: map[string]string{strings.TrimPrefix(VarUser, "x:"): user}}
}
