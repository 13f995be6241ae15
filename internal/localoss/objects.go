package localoss

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
)

// storedHeaders are the standard headers PutObject, PostObject and InitiateMultipartUpload keep
// with an object and GetObject returns.
var storedHeaders = []string{"Cache-Control", "Content-Disposition", "Content-Encoding", "Expires"}

// metaFromHeader builds the metadata PutObject or InitiateMultipartUpload stores from request headers.
func metaFromHeader(key string, h http.Header) ObjectMeta {
	meta := ObjectMeta{Key: key, ContentType: h.Get("Content-Type")}
	for name, vs := range h {
		if l := strings.ToLower(name); strings.HasPrefix(l, "x-oss-meta-") && len(vs) > 0 {
			if meta.UserMeta == nil {
				meta.UserMeta = map[string]string{}
			}
			meta.UserMeta[strings.TrimPrefix(l, "x-oss-meta-")] = vs[0]
		}
	}
	for _, name := range storedHeaders {
		if v := h.Get(name); v != "" {
			if meta.Headers == nil {
				meta.Headers = map[string]string{}
			}
			meta.Headers[name] = v
		}
	}
	return meta
}

// forbidOverwrite reads an x-oss-forbid-overwrite header or form field: absent or "false" allows
// replacing an object, "true" forbids it, and any other value is refused with 400 InvalidArgument
// (https://help.aliyun.com/en/oss/user-guide/0017-00000279 for PutObject,
// https://www.alibabacloud.com/help/en/oss/user-guide/0006-00000117 for the PostObject form field:
// "The value of the x-oss-forbid-overwrite form field must be true or false").
func forbidOverwrite(v string) (bool, *Error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	}
	return false, errInvalidArgument("The value of x-oss-forbid-overwrite must be true or false.",
		ErrorField{"ArgumentName", "x-oss-forbid-overwrite"}, ErrorField{"ArgumentValue", v})
}

// checkContentMD5 compares a Content-MD5 header (base64 of the MD5) with the received body's MD5.
func checkContentMD5(header string, sum []byte) *Error {
	if header == "" {
		return nil
	}
	want, err := base64.StdEncoding.DecodeString(header)
	if err != nil || len(want) != 16 {
		return newError(http.StatusBadRequest, CodeInvalidDigest, "The Content-MD5 you specified is not valid.")
	}
	if !bytes.Equal(want, sum) {
		return newError(http.StatusBadRequest, CodeInvalidDigest, "The Content-MD5 you specified did not match what we received.")
	}
	return nil
}

func (s *Server) putObject(w http.ResponseWriter, r *http.Request, c *call) error {
	cb, cerr := callbackFromRequest(r, c.query)
	if cerr != nil {
		return cerr
	}
	in, err := s.ingestBody(r)
	if err != nil {
		return err
	}
	defer in.discard()
	forbid, ferr := forbidOverwrite(r.Header.Get("x-oss-forbid-overwrite"))
	if ferr != nil {
		return ferr
	}
	meta := metaFromHeader(c.key, r.Header)
	if meta.ContentType == "" {
		meta.ContentType = "application/octet-stream"
	}
	meta.Size, meta.ETag, meta.CRC64, meta.LastModified = in.size, etagOf(in.md5), in.crc, c.now.UTC()
	if err := s.store.commit(c.bucket, c.key, in, meta, forbid); err != nil {
		return err
	}
	h := w.Header()
	h.Set("ETag", meta.ETag)
	h.Set("Content-MD5", base64.StdEncoding.EncodeToString(in.md5))
	h.Set("x-oss-hash-crc64ecma", strconv.FormatUint(meta.CRC64, 10))
	if cb != nil {
		return s.finishWithCallback(w, r, c, cb, meta)
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// responseOverrides are the GetObject query parameters that override response headers.
var responseOverrides = map[string]string{
	"response-content-type":        "Content-Type",
	"response-content-language":    "Content-Language",
	"response-expires":             "Expires",
	"response-cache-control":       "Cache-Control",
	"response-content-disposition": "Content-Disposition",
	"response-content-encoding":    "Content-Encoding",
}

func (s *Server) getObject(w http.ResponseWriter, r *http.Request, c *call) error {
	f, meta, err := s.store.open(c.bucket, c.key)
	if err != nil {
		return err
	}
	defer f.Close()
	h := w.Header()
	h.Set("Content-Type", meta.ContentType)
	h.Set("ETag", meta.ETag)
	h.Set("x-oss-hash-crc64ecma", strconv.FormatUint(meta.CRC64, 10))
	h.Set("x-oss-storage-class", "Standard")
	if meta.Multipart {
		h.Set("x-oss-object-type", "Multipart")
	} else {
		h.Set("x-oss-object-type", "Normal")
	}
	for name, v := range meta.Headers {
		h.Set(name, v)
	}
	for name, v := range meta.UserMeta {
		h.Set("x-oss-meta-"+name, v)
	}
	for param, name := range responseOverrides {
		if v := c.query.Get(param); v != "" {
			h.Set(name, v)
		}
	}
	http.ServeContent(w, r, "", meta.LastModified, f)
	return nil
}

func (s *Server) deleteObject(w http.ResponseWriter, c *call) error {
	if err := s.store.remove(c.bucket, c.key); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ingestBody stores a PUT body (object or part) in a temp file: refused up front when its declared
// length is over the limit, and checked against its Content-MD5. The caller discards it.
func (s *Server) ingestBody(r *http.Request) (*ingested, error) {
	if r.ContentLength > s.maxSize {
		return nil, errTooLarge(s.maxSize)
	}
	in, err := s.store.ingest(r.Body, s.maxSize)
	if err != nil {
		return nil, err
	}
	if err := checkContentMD5(r.Header.Get("Content-MD5"), in.md5); err != nil {
		in.discard()
		return nil, err
	}
	return in, nil
}
