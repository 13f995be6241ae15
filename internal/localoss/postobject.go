package localoss

import (
	"encoding/xml"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/internal/localcred"
)

const (
	maxFieldValue   = 2 << 20 // bytes in one form field value
	maxPreData      = 8 << 20 // bytes of form data before the file
	maxPostValidity = 7 * 24 * time.Hour
)

// postForm is the part of a PostObject form read before the file.
type postForm struct {
	fields map[string]string // lower-case field name -> value
}

func (f postForm) has(name string) bool { _, ok := f.fields[name]; return ok }

// postObject handles a browser form upload (PostObject) to POST /<bucket>.
func (s *Server) postObject(w http.ResponseWriter, r *http.Request, c *call) error {
	mediaType, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/form-data" || params["boundary"] == "" {
		return errMalformedPOST("The body of your POST request is not well-formed multipart/form-data.")
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	form := postForm{fields: map[string]string{}}
	var preData int64
	for {
		p, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			return newError(http.StatusBadRequest, CodeIncorrectNumberOfFiles, "POST requires exactly one file upload per request.")
		}
		if err != nil {
			return errMalformedPOST("The body of your POST request is not well-formed multipart/form-data.")
		}
		name := p.FormName()
		lname := strings.ToLower(name)
		if lname == "file" {
			return s.postFile(w, r, c, mr, p, form)
		}
		if name == "" {
			return errMalformedPOST("A form field has no name.")
		}
		if form.has(lname) {
			return errInvalidArgument("The form field " + name + " is specified more than once.")
		}
		value, err := io.ReadAll(io.LimitReader(p, maxFieldValue+1))
		if err != nil {
			return errMalformedPOST("The body of your POST request is not well-formed multipart/form-data.")
		}
		if len(value) > maxFieldValue {
			return errInvalidArgument("The value of form field " + name + " is longer than 2 MB.")
		}
		preData += int64(len(name) + len(value))
		if preData > maxPreData {
			return newError(http.StatusBadRequest, CodeMaxPOSTPreDataLengthExceeded,
				"Your POST request fields preceding the upload file were too large.")
		}
		form.fields[lname] = string(value)
	}
}

// postFile authenticates the form read so far, stores the file and answers.
func (s *Server) postFile(w http.ResponseWriter, r *http.Request, c *call, mr *multipart.Reader, file *multipart.Part, form postForm) error {
	cred, policy, err := s.postAuth(form, c)
	if err != nil {
		if err.Code == CodeAccessDenied && !form.has("policy") && fileNotLast(mr, file, s.maxSize) {
			// Nothing signed came before the file: most likely the fields follow it.
			return errMalformedPOST("The file field must be the last field in the form.")
		}
		return err
	}
	if cred != nil {
		c.ak = cred.AccessKeyID
	}
	rawKey, hasKey := form.fields["key"]
	if !hasKey || rawKey == "" {
		return errInvalidArgument("The form field key is required.", ErrorField{"ArgumentName", "key"})
	}
	fields := map[string]string{}
	for k, v := range form.fields {
		fields[k] = v
	}
	fields["bucket"] = c.bucket
	if err := policy.checkFields(fields); err != nil {
		return err
	}
	limit := s.maxSize
	if l := policy.sizeLimit(); l >= 0 && l < limit {
		limit = l
	}
	in, ierr := s.store.ingest(file, limit)
	if ierr != nil {
		var e *Error
		if errors.As(ierr, &e) {
			return e
		}
		return errMalformedPOST("The body of your POST request is not well-formed multipart/form-data.")
	}
	defer in.discard()
	switch _, err := mr.NextRawPart(); {
	case err == nil:
		return errMalformedPOST("The file field must be the last field in the form.")
	case !errors.Is(err, io.EOF):
		return errMalformedPOST("The body of your POST request is not well-formed multipart/form-data.")
	}
	if err := policy.checkSize(in.size); err != nil {
		return err
	}

	// ${filename} is expanded after the policy check, like OSS.
	key := strings.ReplaceAll(rawKey, "${filename}", path.Base(strings.ReplaceAll(file.FileName(), `\`, "/")))
	c.key = key
	if err := validateKey(key); err != nil {
		return err
	}
	if cred != nil {
		if err := s.authorize(cred, opPostObject, c.bucket, key); err != nil {
			return err
		}
	}
	forbid, ferr := forbidOverwrite(form.fields["x-oss-forbid-overwrite"])
	if ferr != nil {
		return ferr
	}
	cb, cerr := callbackFromForm(form.fields)
	if cerr != nil {
		return cerr
	}
	meta := metaFromForm(key, form.fields, file.Header.Get("Content-Type"))
	meta.Size, meta.ETag, meta.CRC64, meta.LastModified = in.size, etagOf(in.md5), in.crc, c.now.UTC()
	if err := s.store.commit(c.bucket, key, in, meta, forbid); err != nil {
		return err
	}
	if cb != nil {
		// With a callback, the client gets the callback's answer whatever success_action_status says.
		w.Header().Set("ETag", meta.ETag)
		w.Header().Set("x-oss-hash-crc64ecma", strconv.FormatUint(meta.CRC64, 10))
		return s.finishWithCallback(w, r, c, cb, meta)
	}
	return writePostResponse(w, r, c.bucket, key, meta, form.fields)
}

// metaFromForm builds the object's metadata from the form. Every field is taken, whether or not the
// policy names it: OSS checks only the conditions a policy lists (PostObject, "Appendix: Policy",
// https://www.alibabacloud.com/help/en/oss/developer-reference/postobject; Alibaba's own samples
// send fields such as key and callback without conditions). Content type, by the documented
// priority (PostObject, form field x-oss-content-type: "x-oss-content-type > Content-Type in the
// form field > Content-Type"): x-oss-content-type, then the Content-Type field, then the file part's
// own Content-Type. Cache-Control, Content-Disposition, Content-Encoding and Expires are stored as
// sent (PostObject, form fields "Cache-Control, Content-Type, Content-Disposition, Content-Encoding,
// Expires ... HTTP request headers").
func metaFromForm(key string, fields map[string]string, partType string) ObjectMeta {
	meta := ObjectMeta{Key: key}
	for _, ct := range []string{fields["x-oss-content-type"], fields["content-type"], partType, "application/octet-stream"} {
		if ct != "" {
			meta.ContentType = ct
			break
		}
	}
	for name, v := range fields {
		if strings.HasPrefix(name, "x-oss-meta-") {
			if meta.UserMeta == nil {
				meta.UserMeta = map[string]string{}
			}
			meta.UserMeta[strings.TrimPrefix(name, "x-oss-meta-")] = v
		}
	}
	for _, name := range storedHeaders {
		if v := fields[strings.ToLower(name)]; v != "" {
			if meta.Headers == nil {
				meta.Headers = map[string]string{}
			}
			meta.Headers[name] = v
		}
	}
	return meta
}

func writePostResponse(w http.ResponseWriter, r *http.Request, bucket, key string, meta ObjectMeta, fields map[string]string) error {
	h := w.Header()
	h.Set("ETag", meta.ETag)
	h.Set("x-oss-hash-crc64ecma", strconv.FormatUint(meta.CRC64, 10))
	location := "http://" + r.Host + "/" + bucket + "/" + rfc3986Escape(key, true)
	h.Set("Location", location)
	// success_action_redirect overrides success_action_status: OSS answers 303 to that URL, whatever
	// it is (PostObject, form field success_action_redirect: "The URL to which the client is
	// redirected after the object is uploaded"); only a policy condition on the field limits it.
	if redirect := fields["success_action_redirect"]; redirect != "" {
		if u, err := url.Parse(redirect); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
			q := u.Query()
			q.Set("bucket", bucket)
			q.Set("key", key)
			q.Set("etag", meta.ETag)
			u.RawQuery = q.Encode()
			h.Set("Location", u.String())
			w.WriteHeader(http.StatusSeeOther)
			return nil
		}
	}
	switch fields["success_action_status"] {
	case "200":
		w.WriteHeader(http.StatusOK)
	case "201":
		writeXML(w, http.StatusCreated, struct {
			XMLName  xml.Name `xml:"PostResponse"`
			Bucket   string   `xml:"Bucket"`
			ETag     string   `xml:"ETag"`
			Key      string   `xml:"Key"`
			Location string   `xml:"Location"`
		}{Bucket: bucket, ETag: meta.ETag, Key: key, Location: location})
	default:
		w.WriteHeader(http.StatusNoContent)
	}
	return nil
}

// postAuth verifies the form's V1 or V4 signature and decodes its policy, checking expiry and
// (for V4) that the policy pins the signing fields. A form without any signature is refused.
func (s *Server) postAuth(form postForm, c *call) (*localcred.Key, *postPolicy, *Error) {
	f := form.fields
	isV4 := form.has("x-oss-signature-version") || form.has("x-oss-signature") || form.has("x-oss-credential") || form.has("x-oss-date")
	isV1 := form.has("ossaccesskeyid") || form.has("signature")
	var key *localcred.Key
	var err *Error
	switch {
	case isV4 && isV1:
		return nil, nil, errInvalidArgument("V1 and V4 PostObject signature fields cannot both be specified.")
	case isV4:
		key, err = s.postAuthV4(f, c.now)
	case isV1 || form.has("policy"):
		key, err = s.postAuthV1(f, c.now)
	default:
		return nil, nil, errAccessDenied("You have no right to access this object because of bucket acl.")
	}
	if err != nil {
		return nil, nil, err
	}
	policy, err := parsePostPolicy(f["policy"])
	if err != nil {
		return nil, nil, err
	}
	if c.now.After(policy.expiration) {
		return nil, nil, errAccessDenied("Invalid according to Policy: Policy expired.")
	}
	if isV4 {
		pinned := []string{"x-oss-signature-version", "x-oss-credential", "x-oss-date"}
		if key.SecurityToken != "" {
			pinned = append(pinned, "x-oss-security-token")
		}
		for _, name := range pinned {
			if !policy.hasEq(name) {
				return nil, nil, errAccessDenied("Invalid according to Policy: the policy must contain the condition {\"" + name + "\": <form value>}.")
			}
		}
	}
	return key, policy, nil
}

func (s *Server) postAuthV1(f map[string]string, now time.Time) (*localcred.Key, *Error) {
	ak, policy, sig := f["ossaccesskeyid"], f["policy"], f["signature"]
	if ak == "" || policy == "" || sig == "" {
		return nil, errInvalidArgument("OSSAccessKeyId, policy and Signature must all be specified.")
	}
	key, err := s.resolveKey(ak, f["x-oss-security-token"], now)
	if err != nil {
		return nil, err
	}
	if !hmacEqual(v1Signature(key.AccessKeySecret, policy), sig) {
		return nil, newError(http.StatusForbidden, CodeSignatureDoesNotMatch, signatureMismatchMessage,
			ErrorField{"OSSAccessKeyId", ak})
	}
	return key, nil
}

func (s *Server) postAuthV4(f map[string]string, now time.Time) (*localcred.Key, *Error) {
	if v := f["x-oss-signature-version"]; v != v4Algorithm {
		return nil, errInvalidArgument("x-oss-signature-version must be " + v4Algorithm + ".")
	}
	for _, name := range []string{"policy", "x-oss-credential", "x-oss-date", "x-oss-signature"} {
		if f[name] == "" {
			return nil, errInvalidArgument("The form field " + name + " is required for a V4 PostObject.")
		}
	}
	cred, ok := parseV4Credential(f["x-oss-credential"])
	if !ok {
		return nil, errInvalidArgument("x-oss-credential is invalid, expected <AccessKeyId>/<yyyymmdd>/<region>/oss/aliyun_v4_request.")
	}
	t, perr := time.Parse(v4DateTimeFormat, f["x-oss-date"])
	if perr != nil {
		return nil, errInvalidArgument("x-oss-date is invalid, expected yyyymmddTHHMMSSZ.")
	}
	if err := s.checkV4Scope(cred, t, "x-oss-credential"); err != nil {
		return nil, err
	}
	if t.After(now.Add(maxSkew)) {
		return nil, errSkewed(t, now)
	}
	if end := t.Add(maxPostValidity); now.After(end) {
		return nil, errExpired(end, now)
	}
	key, err := s.resolveKey(cred.AccessKeyID, f["x-oss-security-token"], now)
	if err != nil {
		return nil, err
	}
	signingKey := v4SigningKey(key.AccessKeySecret, cred.Date, cred.Region, cred.Product)
	if !hmacEqual(v4Signature(signingKey, f["policy"]), f["x-oss-signature"]) {
		return nil, newError(http.StatusForbidden, CodeSignatureDoesNotMatch, signatureMismatchMessage,
			ErrorField{"OSSAccessKeyId", cred.AccessKeyID})
	}
	return key, nil
}

// fileNotLast reads past the file (at most max bytes) and reports whether another field follows.
func fileNotLast(mr *multipart.Reader, file *multipart.Part, max int64) bool {
	if n, err := io.Copy(io.Discard, io.LimitReader(file, max+1)); err != nil || n > max {
		return false
	}
	_, err := mr.NextRawPart()
	return err == nil
}
