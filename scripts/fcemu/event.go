package fcemu

import (
	"encoding/base64"
	"encoding/json"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aliyun/fc-runtime-go-sdk/events"
)

// buildEvent converts r (whose body has been read into body) into the FC 3.0 HTTP trigger event JSON
// (fc-runtime-go-sdk events.HTTPTriggerEvent). claims are added as headers.
func buildEvent(r *http.Request, body []byte, requestID, accountID, domainName string, now time.Time, claims map[string]string, noProto bool) ([]byte, error) {
	headers := make(map[string]string, len(r.Header)+len(claims))
	for k, vs := range r.Header {
		headers[k] = strings.Join(vs, ",")
	}
	for k, v := range claims {
		delete(headers, http.CanonicalHeaderKey(k))
		headers[k] = v
	}
	// The front says which scheme the client used, as a TLS-terminating front does (FC's event
	// has no field for it: requestContext.http holds method, path, protocol, sourceIp, userAgent);
	// a client's own X-Forwarded-Proto is replaced, never passed on.
	delete(headers, "X-Forwarded-Proto")
	if !noProto {
		headers["X-Forwarded-Proto"] = "http"
		if r.TLS != nil {
			headers["X-Forwarded-Proto"] = "https"
		}
	}
	query := map[string]string{}
	for k, vs := range r.URL.Query() {
		query[k] = strings.Join(vs, ",")
	}
	var bodyStr string
	b64 := false
	if len(body) > 0 {
		if utf8.Valid(body) && isTextContentType(r.Header.Get("Content-Type")) {
			bodyStr = string(body)
		} else {
			bodyStr, b64 = base64.StdEncoding.EncodeToString(body), true
		}
	}
	if domainName == "" {
		domainName = r.Host
	}
	rawPath := r.URL.EscapedPath()
	path := r.URL.Path
	if path == "" {
		path, rawPath = "/", "/"
	}
	sourceIP := r.RemoteAddr
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		sourceIP = host
	}
	ev := events.HTTPTriggerEvent{
		Version:         ptr("v1"),
		RawPath:         ptr(rawPath),
		Body:            ptr(bodyStr),
		IsBase64Encoded: ptr(b64),
		Headers:         &headers,
		QueryParameters: &query,
	}
	rc := &ev.TriggerContext
	rc.AccountId = ptr(accountID)
	rc.DomainName = ptr(domainName)
	rc.DomainPrefix = ptr(domainPrefix(domainName))
	rc.Http.Method = ptr(r.Method)
	rc.Http.Path = ptr(path)
	rc.Http.Protocol = ptr(r.Proto)
	rc.Http.SourceIp = ptr(sourceIP)
	rc.Http.UserAgent = ptr(r.UserAgent())
	rc.RequestId = ptr(requestID)
	rc.Time = ptr(now.UTC().Format(time.RFC3339))
	rc.TimeEpoch = ptr(strconv.FormatInt(now.UnixMilli(), 10))
	return json.Marshal(ev)
}

// isTextContentType reports whether a body of this Content-Type is sent as text (when it is valid
// UTF-8); every other type is binary and sent base64-encoded. No Content-Type counts as text.
func isTextContentType(ct string) bool {
	if ct == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	switch {
	case strings.HasPrefix(mt, "text/"),
		strings.HasSuffix(mt, "+json"), strings.HasSuffix(mt, "+xml"):
		return true
	}
	switch mt {
	case "application/json", "application/xml", "application/x-www-form-urlencoded",
		"application/javascript", "application/x-javascript", "application/graphql",
		"multipart/form-data":
		return true
	}
	return false
}

// domainPrefix is the first label of a host name ("sts-abc" of "sts-abc.cn-hangzhou.fcapp.run"), or
// "" for an IP address.
func domainPrefix(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if host == "" || net.ParseIP(strings.Trim(host, "[]")) != nil {
		return ""
	}
	label, _, _ := strings.Cut(host, ".")
	return label
}

func ptr[T any](v T) *T { return &v }
