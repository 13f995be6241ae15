package fcweb

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
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
	var err error
	in.Size, err = upload.ParseSize(vals.Get("size"))
	return in, err
}

func bodyError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return upload.Errorf(upload.CodePayloadTooLarge, "request body is over %d bytes", tooBig.Limit)
	}
	return upload.Errorf(upload.CodeInvalidArgument, "request body is not valid: %v", err)
}
