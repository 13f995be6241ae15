package fcweb

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/aliyun/fc-runtime-go-sdk/events"
	"github.com/fc-oss-upload/fc-oss-upload/shared/upload"
)

// newRequest converts an HTTP trigger event into an *http.Request with ctx.
func newRequest(ctx context.Context, ev events.HTTPTriggerEvent) (*http.Request, error) {
	method := strings.ToUpper(str(ev.TriggerContext.Http.Method))
	if method == "" {
		return nil, upload.Errorf(upload.CodeInvalidArgument, "the trigger event has no HTTP method")
	}
	path := str(ev.RawPath)
	if path == "" {
		path = str(ev.TriggerContext.Http.Path)
	}
	if path == "" {
		path = "/"
	}
	u, err := url.Parse(path)
	if err != nil || !strings.HasPrefix(u.Path, "/") {
		return nil, upload.Errorf(upload.CodeInvalidArgument, "request path %q is not valid", path)
	}
	u.RawQuery = ""
	if ev.QueryParameters != nil {
		q := url.Values{}
		for k, v := range *ev.QueryParameters {
			q.Set(k, v)
		}
		u.RawQuery = q.Encode()
	}
	var body []byte
	if b := str(ev.Body); b != "" {
		if ev.IsBase64Encoded != nil && *ev.IsBase64Encoded {
			if body, err = base64.StdEncoding.DecodeString(b); err != nil {
				return nil, upload.Errorf(upload.CodeInvalidArgument, "request body is marked base64 but is not")
			}
		} else {
			body = []byte(b)
		}
	}
	r, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, upload.Errorf(upload.CodeInvalidArgument, "request is not valid: %v", err)
	}
	if ev.Headers != nil {
		// Sorted, and added rather than set: names that differ only in case keep every value,
		// in a fixed order, so nothing depends on map order (Bearer refuses two Authorization headers).
		names := make([]string, 0, len(*ev.Headers))
		for k := range *ev.Headers {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			r.Header.Add(k, (*ev.Headers)[k])
		}
	}
	r.Host = r.Header.Get("Host")
	if r.Host == "" {
		r.Host = str(ev.TriggerContext.DomainName)
	}
	r.RemoteAddr = str(ev.TriggerContext.Http.SourceIp)
	r.RequestURI = u.RequestURI()
	return r, nil
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
