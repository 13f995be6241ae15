package ossauth

import (
	"net/http"
	"net/url"
)

// Request is the part of an OSS request that a signature covers.
type Request struct {
	// Method is the HTTP method, e.g. "PUT". Required.
	Method string
	// Bucket is the bucket name; empty for service-level requests.
	Bucket string
	// Key is the object key, unencoded; empty for bucket-level requests.
	Key string
	// Query holds the request's query parameters. V4 signs all of them; V1 only OSS sub-resources.
	Query url.Values
	// Header holds the request headers. Content-Type, Content-MD5 and every x-oss-* header are
	// signed; others only when named as additional headers (V4).
	Header http.Header
}

// resource returns the unencoded "/bucket/key" of the request.
func (r *Request) resource() string {
	if r.Bucket == "" {
		return "/"
	}
	return "/" + r.Bucket + "/" + r.Key
}
