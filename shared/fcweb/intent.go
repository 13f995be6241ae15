package fcweb

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/fc-oss-upload/fc-oss-upload/shared/upload"
)

// ReadIntent reads filename, contentType and size from the query string or, for POST, from a JSON
// or form body (query values win). A missing size is -1.
func ReadIntent(r *http.Request) (upload.Intent, error) {
	in := upload.Intent{Size: -1}
	vals := url.Values{}
	if r.Method == http.MethodPost && r.Body != nil {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		switch mt {
		case "application/json":
			var body struct {
				Filename    string          `json:"filename"`
				ContentType string          `json:"contentType"`
				Size        json.RawMessage `json:"size"`
			}
			dec := json.NewDecoder(r.Body)
			if err := dec.Decode(&body); err != nil && !errors.Is(err, io.EOF) {
				return in, bodyError(err)
			}
			vals.Set("filename", body.Filename)
			vals.Set("contentType", body.ContentType)
			if s := strings.Trim(string(body.Size), `"`); s != "" && s != "null" {
				vals.Set("size", s)
			}
		case "application/x-www-form-urlencoded":
			if err := r.ParseForm(); err != nil {
				return in, bodyError(err)
			}
			vals = r.PostForm
		}
	}
	q := r.URL.Query()
	for _, k := range []string{"filename", "contentType", "size"} {
		if v := q.Get(k); v != "" {
			vals.Set(k, v)
		}
	}
	in.Filename = vals.Get("filename")
	in.ContentType = vals.Get("contentType")
	if s := vals.Get("size"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return in, upload.Errorf(upload.CodeInvalidArgument, "size %q must be a whole number of bytes", s)
		}
		in.Size = n
	}
	return in, nil
}

func bodyError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return upload.Errorf(upload.CodePayloadTooLarge, "request body is over %d bytes", tooBig.Limit)
	}
	return upload.Errorf(upload.CodeInvalidArgument, "request body is not valid: %v", err)
}

// ReadUpload reads what a signing request asks to upload, checks it against rules, and returns it
// with the prefix the caller may upload under (see UploadDir).
func ReadUpload(r *http.Request, rules upload.Rules, userHeader string) (upload.Intent, string, error) {
	in, err := ReadIntent(r)
	if err != nil {
		return in, "", err
	}
	if err := rules.CheckIntent(in); err != nil {
		return in, "", err
	}
	dir, err := UploadDir(r, rules.Dir, userHeader)
	return in, dir, err
}

// UploadDir returns the prefix this request may upload under: dir, or with a user header configured,
// dir + the sanitised user that FC's JWT authentication passed in that header. A missing or repeated
// user header is unauthenticated.
func UploadDir(r *http.Request, dir, userHeader string) (string, error) {
	if userHeader == "" {
		return dir, nil
	}
	if len(r.Header.Values(userHeader)) > 1 {
		return "", upload.Errorf(upload.CodeUnauthenticated, "the request carries more than one %s header", userHeader)
	}
	u := strings.TrimSpace(r.Header.Get(userHeader))
	if u == "" {
		return "", upload.Errorf(upload.CodeUnauthenticated, "sign in first: the request carries no user (the trigger passes it in %s)", userHeader)
	}
	return upload.UserDir(dir, u)
}
