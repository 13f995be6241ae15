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
	"github.com/fc-oss-upload/fc-oss-upload/shared/userauth"
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
// with the prefix the caller may upload under (see UploadDir). The caller is authenticated first.
func ReadUpload(r *http.Request, rules upload.Rules, auth *userauth.Verifier) (upload.Intent, string, error) {
	dir, err := UploadDir(r, rules.Dir, auth)
	if err != nil {
		return upload.Intent{}, "", err
	}
	in, err := ReadIntent(r)
	if err != nil {
		return in, "", err
	}
	if err := rules.CheckIntent(in); err != nil {
		return in, "", err
	}
	return in, dir, nil
}

// UploadDir returns the prefix this request may upload under: dir when auth is nil, else
// dir + the segment of the user its verified bearer token names + "/" (userauth.Segment: distinct
// users never share one). No header other than Authorization is read, so nothing a client sends
// besides a valid token chooses the prefix. A missing or invalid token is unauthenticated (401
// with WWW-Authenticate: Bearer); an issuer whose keys cannot be fetched is unavailable (503).
func UploadDir(r *http.Request, dir string, auth *userauth.Verifier) (string, error) {
	if auth == nil {
		return dir, nil
	}
	user, err := auth.User(r)
	if err != nil {
		var e *userauth.Error
		if errors.As(err, &e) && e.Unavailable {
			return "", upload.Unavailable("the identity provider's keys", err)
		}
		msg := "sign in first: send Authorization: Bearer <token>"
		if errors.As(err, &e) && !errors.Is(err, userauth.ErrNoToken) {
			msg = "the bearer token was refused: " + e.Reason
		}
		return "", &authError{err: upload.Errorf(upload.CodeUnauthenticated, "%s", msg), invalid: !errors.Is(err, userauth.ErrNoToken)}
	}
	return dir + userauth.Segment(user) + "/", nil
}

// authError is an unauthenticated error that says whether a token was sent (RFC 6750: invalid_token).
type authError struct {
	err     *upload.Error
	invalid bool
}

func (e *authError) Error() string { return e.err.Error() }
func (e *authError) Unwrap() error { return e.err }
