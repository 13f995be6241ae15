package upload

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/fc-oss-upload/fc-oss-upload/shared/ossauth"
	"github.com/fc-oss-upload/fc-oss-upload/shared/osscallback"
)

// PutHeaders renders g as the headers a client must send with its PUT, exactly so.
func (g Grant) PutHeaders() map[string]string {
	h := map[string]string{}
	if g.ContentType != "" {
		h["Content-Type"] = g.ContentType
	}
	if g.ForbidOverwrite {
		h["x-oss-forbid-overwrite"] = "true"
	}
	if g.Size >= 0 {
		// Signing Content-Length pins the upload to exactly this size.
		h["Content-Length"] = strconv.FormatInt(g.Size, 10)
	}
	if g.Disposition != "" {
		h["Content-Disposition"] = g.Disposition
	}
	return h
}

// Presign renders g as a presigned PUT of its key at ep for region. Content-Type and x-oss-*
// headers are always signed (OSS V4 signature, "Canonical headers"), Content-Length and
// Content-Disposition only as additional headers (x-oss-additional-headers). A callback goes in
// the signed query, so the URL alone carries it and a client cannot change it (OSS's Callback
// reference: callback and callback-var as query parameters of a signed URL).
func (g Grant) Presign(ep ossauth.Endpoint, region string) ossauth.PresignV4Options {
	o := ossauth.PresignV4Options{
		Endpoint: ep, Method: http.MethodPut, Bucket: g.Bucket, Key: g.Key, Region: region,
		Expires: g.Expires.Sub(g.Now), Header: http.Header{},
	}
	for k, v := range g.PutHeaders() {
		o.Header.Set(k, v)
	}
	if g.Size >= 0 {
		o.AdditionalHeaders = append(o.AdditionalHeaders, "content-length")
	}
	if g.Disposition != "" {
		o.AdditionalHeaders = append(o.AdditionalHeaders, "content-disposition")
	}
	if g.CallbackURL != "" {
		o.Query = url.Values{
			"callback":     {osscallback.Param(g.CallbackURL)},
			"callback-var": {osscallback.EncodeVars(osscallback.Vars(g.User, g.Filename))},
		}
	}
	return o
}
