// Package ossvectors holds the official OSS signing vectors (vectors.json, sources in README.md) for
// the tests of both the signer (shared/ossauth) and the local OSS's independent verifier
// (internal/localoss). It is data only: it imports neither, so neither test checks itself.
package ossvectors

import (
	_ "embed"
	"encoding/json"
	"net/http"
	"net/url"
	"time"
)

//go:embed vectors.json
var raw []byte

// All is the content of vectors.json.
type All struct {
	V1Header  []V1Header  `json:"v1_header"`
	V1Presign []V1Presign `json:"v1_presign"`
	V4Header  []V4Header  `json:"v4_header"`
	V4Presign []V4Presign `json:"v4_presign"`
	PostV1    []PostV1    `json:"post_v1"`
	Derived   Derived     `json:"derived"`
}

// Request is the request every vector signs.
type Request struct {
	Name            string              `json:"name"`
	Source          []string            `json:"source"`
	AccessKeyID     string              `json:"access_key_id"`
	AccessKeySecret string              `json:"access_key_secret"`
	SecurityToken   string              `json:"security_token"`
	Method          string              `json:"method"`
	Bucket          string              `json:"bucket"`
	Key             string              `json:"key"`
	Headers         map[string]string   `json:"headers"`
	Query           map[string][]string `json:"query"`
}

// Header returns a fresh http.Header with the vector's headers (canonical names).
func (r Request) Header() http.Header {
	h := http.Header{}
	for k, v := range r.Headers {
		h.Set(k, v)
	}
	return h
}

// Values returns a fresh copy of the vector's query.
func (r Request) Values() url.Values {
	q := url.Values{}
	for k, vs := range r.Query {
		q[k] = append([]string(nil), vs...)
	}
	return q
}

// V1Header is a V1 Authorization-header vector.
type V1Header struct {
	Request
	SubResources  []string `json:"sub_resources"` // extra sub-resources the signer was told about
	Date          string   `json:"date"`          // the Date header (http.TimeFormat)
	StringToSign  string   `json:"string_to_sign"`
	Authorization string   `json:"authorization"`
}

// V1Presign is a V1 presigned-URL vector.
type V1Presign struct {
	Request
	Expires      int64  `json:"expires"` // unix seconds
	StringToSign string `json:"string_to_sign"`
	Signature    string `json:"signature"`
	URL          string `json:"url"` // the SDK's full URL, when its test pins one
}

// V4Header is a V4 (OSS4-HMAC-SHA256) Authorization-header vector.
type V4Header struct {
	Request
	Product           string   `json:"product"`
	Region            string   `json:"region"`
	SigningTime       int64    `json:"signing_time"` // unix seconds
	AdditionalHeaders []string `json:"additional_headers"`
	Authorization     string   `json:"authorization"`
}

// Time is the signing time.
func (v V4Header) Time() time.Time { return time.Unix(v.SigningTime, 0).UTC() }

// V4Presign is a V4 presigned-URL vector.
type V4Presign struct {
	Request
	Product           string   `json:"product"`
	Region            string   `json:"region"`
	SigningTime       int64    `json:"signing_time"`
	ExpiresSeconds    int64    `json:"expires_seconds"`
	AdditionalHeaders []string `json:"additional_headers"`
	Signature         string   `json:"signature"`
	URL               string   `json:"url"`
}

// Time is the signing time.
func (v V4Presign) Time() time.Time { return time.Unix(v.SigningTime, 0).UTC() }

// PostV1 is a V1 PostObject policy signature vector.
type PostV1 struct {
	Name            string   `json:"name"`
	Source          []string `json:"source"`
	AccessKeyID     string   `json:"access_key_id"`
	AccessKeySecret string   `json:"access_key_secret"`
	Policy          string   `json:"policy"` // base64
	Signature       string   `json:"signature"`
}

// Derived holds intermediate values of the V4 header "plain" vector; not from an SDK test (see Note).
type Derived struct {
	Note          string `json:"note"`
	V4HeaderPlain struct {
		XOSSDate         string `json:"x_oss_date"`
		CanonicalRequest string `json:"canonical_request"`
		StringToSign     string `json:"string_to_sign"`
		SigningKeyHex    string `json:"signing_key_hex"`
	} `json:"v4_header_plain"`
}

// Load decodes vectors.json; every call returns a fresh copy.
func Load() (All, error) {
	var a All
	err := json.Unmarshal(raw, &a)
	return a, err
}
