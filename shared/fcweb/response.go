package fcweb

import (
	"bytes"
	"encoding/base64"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/aliyun/fc-runtime-go-sdk/events"
)

// recorder is an http.ResponseWriter that buffers the response for the trigger.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newRecorder() *recorder { return &recorder{header: http.Header{}} }

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}

func (r *recorder) response() *events.HTTPTriggerResponse {
	status := r.status
	if status == 0 {
		status = http.StatusOK
	}
	headers := make(map[string]string, len(r.header))
	for k, v := range r.header {
		headers[k] = strings.Join(v, ", ")
	}
	out := &events.HTTPTriggerResponse{StatusCode: status, Headers: headers}
	if textual(r.header.Get("Content-Type")) && utf8.Valid(r.body.Bytes()) {
		out.Body = r.body.String()
	} else if r.body.Len() > 0 {
		out.Body = base64.StdEncoding.EncodeToString(r.body.Bytes())
		out.IsBase64Encoded = true
	}
	return out
}

func textual(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return ct == ""
	}
	return strings.HasPrefix(mt, "text/") || mt == "application/json" || mt == "application/javascript" ||
		mt == "application/xml" || mt == "image/svg+xml"
}
