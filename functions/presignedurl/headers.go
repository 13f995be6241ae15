package main

import (
	"strconv"

	"github.com/fc-oss-upload/fc-oss-upload/shared/upload"
)

// putHeaders renders a plan as the headers the client must send and the names of those V4 signs
// only when listed (x-oss-additional-headers): Content-Type and x-oss-* headers are always signed
// (OSS V4 signature, "Canonical headers"), Content-Length and Content-Disposition only as
// additional headers.
func putHeaders(p upload.PutPlan) (map[string]string, []string) {
	headers := map[string]string{}
	var additional []string
	if p.ContentType != "" {
		headers["Content-Type"] = p.ContentType
	}
	if p.ForbidOverwrite {
		headers["x-oss-forbid-overwrite"] = "true"
	}
	if p.Size >= 0 {
		// Signing Content-Length pins the upload to exactly this size.
		headers["Content-Length"] = strconv.FormatInt(p.Size, 10)
		additional = append(additional, "content-length")
	}
	if p.Disposition != "" {
		headers["Content-Disposition"] = p.Disposition
		additional = append(additional, "content-disposition")
	}
	return headers, additional
}
