package fcweb

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

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

// Grants decide what the callers of one function may upload: the way of a signing request from
// the edge to its grant.
type Grants struct {
	Rules upload.Rules
	Auth  *userauth.Verifier // nil: no per-user uploads
	Now   func() time.Time
}

// Read authenticates the caller of r (User), reads what it asks to upload with read (ReadIntent,
// or a route's own reader), draws the random bytes of its key, and decides the upload, sent as
// how, under the rules (upload.Rules.Grant).
func (gs Grants) Read(r *http.Request, how upload.How, read func(*http.Request) (upload.Intent, error)) (upload.Grant, error) {
	user, err := User(r, gs.Auth)
	if err != nil {
		return upload.Grant{}, err
	}
	in, err := read(r)
	if err != nil {
		return upload.Grant{}, err
	}
	a := upload.Ask{Intent: in, User: user}
	rand.Read(a.ID[:])
	return gs.Rules.Grant(how, a, gs.Now())
}
