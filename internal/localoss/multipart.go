package localoss

import (
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// OSS's multipart rules, checked as OSS checks them:
//   - part numbers 1 to 10,000; parts of 100 KB to 5 GB, the last of any size; sizes are not
//     checked by UploadPart but by CompleteMultipartUpload, since only then is the last part known
//     (https://help.aliyun.com/en/oss/user-guide/0017-00000219);
//   - EntityTooSmall when a part before the last is under 100 KB
//     (https://help.aliyun.com/en/oss/user-guide/0042-00000213);
//   - InvalidPartOrder when the parts of the XML are not in ascending order
//     (https://help.aliyun.com/en/oss/user-guide/0042-00000209);
//   - InvalidPart when a part number or ETag does not match an uploaded part
//     (https://alibabacloud.com/help/en/oss/oss-reports-an-invalidpart-error-when-using-the-multipart-upload-method-to-upload-files).
const (
	maxPartNumber    = 10000
	minPartSize      = 100 << 10 // bytes; every part but the last must be at least this large
	maxCompleteBody  = 4 << 20   // bytes of CompleteMultipartUpload XML accepted
	uploadInfoFile   = "upload.json"
	partDataSuffix   = ".part"
	partMetaSuffix   = ".json"
	defaultMaxParts  = 1000
	uploadIDHexBytes = 16
)

// upload is a multipart upload in progress, stored as <root>/.uploads/<id>/upload.json.
type upload struct {
	Bucket          string     `json:"bucket"`
	Key             string     `json:"key"`
	Initiated       time.Time  `json:"initiated"`
	Meta            ObjectMeta `json:"meta"`
	ForbidOverwrite bool       `json:"forbidOverwrite"`
}

// part is one uploaded part, stored as <id>/<nnnnn>.part with <nnnnn>.json.
type part struct {
	PartNumber   int       `json:"partNumber"`
	ETag         string    `json:"etag"`
	MD5          []byte    `json:"md5"`
	Size         int64     `json:"size"`
	CRC64        uint64    `json:"crc64"`
	LastModified time.Time `json:"lastModified"`
}

// uploadDir returns the directory of upload id, refusing ids this server cannot have issued.
func (st *store) uploadDir(id string) (string, bool) {
	if len(id) != 2*uploadIDHexBytes {
		return "", false
	}
	for _, c := range id {
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'F') {
			return "", false
		}
	}
	return filepath.Join(st.root, ".uploads", id), true
}

// loadUpload reads upload id and checks it belongs to bucket/key: OSS names an upload by object
// name and upload ID (https://help.aliyun.com/en/oss/developer-reference/upload-part), and answers
// NoSuchUpload for an upload ID it has no upload of
// (https://help.aliyun.com/en/oss/user-guide/0017-00000244), so an ID sent with another key is
// refused, as here.
func (s *Server) loadUpload(id, bucket, key string) (string, *upload, error) {
	dir, ok := s.store.uploadDir(id)
	if !ok {
		return "", nil, errNoSuchUpload(id)
	}
	raw, err := os.ReadFile(filepath.Join(dir, uploadInfoFile))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil, errNoSuchUpload(id)
	}
	if err != nil {
		return "", nil, err
	}
	var u upload
	if err := json.Unmarshal(raw, &u); err != nil {
		return "", nil, err
	}
	if u.Bucket != bucket || u.Key != key {
		return "", nil, errNoSuchUpload(id)
	}
	return dir, &u, nil
}

func partBase(dir string, n int) string { return filepath.Join(dir, fmt.Sprintf("%05d", n)) }

func loadPart(dir string, n int) (*part, error) {
	raw, err := os.ReadFile(partBase(dir, n) + partMetaSuffix)
	if err != nil {
		return nil, err
	}
	var p part
	return &p, json.Unmarshal(raw, &p)
}

func listUploadedParts(dir string) ([]part, error) {
	matches, err := filepath.Glob(filepath.Join(dir, "*"+partMetaSuffix))
	if err != nil {
		return nil, err
	}
	var parts []part
	for _, m := range matches {
		n, err := strconv.Atoi(strings.TrimSuffix(filepath.Base(m), partMetaSuffix))
		if err != nil {
			continue
		}
		p, err := loadPart(dir, n)
		if err != nil {
			return nil, err
		}
		parts = append(parts, *p)
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i].PartNumber < parts[j].PartNumber })
	return parts, nil
}

// encodeKey applies encoding-type=url to a key in a response.
func encodeKey(c *call, key string) (string, string) {
	if c.query.Get("encoding-type") == "url" {
		return rfc3986Escape(key, true), "url"
	}
	return key, ""
}

func (s *Server) initiateMultipartUpload(w http.ResponseWriter, r *http.Request, c *call) error {
	meta := metaFromHeader(c.key, r.Header)
	if meta.ContentType == "" {
		meta.ContentType = "application/octet-stream"
	}
	forbid, ferr := forbidOverwrite(r.Header.Get("x-oss-forbid-overwrite"))
	if ferr != nil {
		return ferr
	}
	if forbid && s.store.exists(c.bucket, c.key) {
		return errFileExists()
	}
	id := newUploadID()
	dir, _ := s.store.uploadDir(id)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	info, err := json.Marshal(upload{Bucket: c.bucket, Key: c.key, Initiated: c.now.UTC(), Meta: meta, ForbidOverwrite: forbid})
	if err != nil {
		return err
	}
	tmp, err := writeTemp(filepath.Join(s.store.root, ".tmp"), info)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, uploadInfoFile)); err != nil {
		removeQuietly(tmp)
		return err
	}
	key, enc := encodeKey(c, c.key)
	writeXML(w, http.StatusOK, struct {
		XMLName      xml.Name `xml:"InitiateMultipartUploadResult"`
		Bucket       string   `xml:"Bucket"`
		Key          string   `xml:"Key"`
		UploadID     string   `xml:"UploadId"`
		EncodingType string   `xml:"EncodingType,omitempty"`
	}{Bucket: c.bucket, Key: key, UploadID: id, EncodingType: enc})
	return nil
}

func newUploadID() string {
	b := make([]byte, uploadIDHexBytes)
	_, _ = rand.Read(b)
	return strings.ToUpper(hex.EncodeToString(b))
}

func md5Sum(b []byte) []byte {
	s := md5.Sum(b)
	return s[:]
}

func (s *Server) uploadPart(w http.ResponseWriter, r *http.Request, c *call) error {
	n, perr := strconv.Atoi(c.query.Get("partNumber"))
	if perr != nil || n < 1 || n > maxPartNumber {
		return errInvalidArgument("Part number must be an integer between 1 and 10000, inclusive.",
			ErrorField{"ArgumentName", "partNumber"}, ErrorField{"ArgumentValue", c.query.Get("partNumber")})
	}
	id := c.query.Get("uploadId")
	dir, _, err := s.loadUpload(id, c.bucket, c.key)
	if err != nil {
		return err
	}
	in, err := s.ingestBody(r)
	if err != nil {
		return err
	}
	defer in.discard()
	p := part{PartNumber: n, ETag: etagOf(in.md5), MD5: in.md5, Size: in.size, CRC64: in.crc, LastModified: c.now.UTC()}
	pj, err := json.Marshal(p)
	if err != nil {
		return err
	}
	tmpMeta, err := writeTemp(filepath.Join(s.store.root, ".tmp"), pj)
	if err != nil {
		return err
	}
	defer removeQuietly(tmpMeta)
	s.store.mu.Lock()
	err = os.Rename(in.path, partBase(dir, n)+partDataSuffix)
	if err == nil {
		in.path = ""
		err = os.Rename(tmpMeta, partBase(dir, n)+partMetaSuffix)
	}
	s.store.mu.Unlock()
	if errors.Is(err, fs.ErrNotExist) {
		return errNoSuchUpload(id) // aborted meanwhile
	}
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("ETag", p.ETag)
	h.Set("Content-MD5", base64.StdEncoding.EncodeToString(in.md5))
	h.Set("x-oss-hash-crc64ecma", strconv.FormatUint(p.CRC64, 10))
	w.WriteHeader(http.StatusOK)
	return nil
}

func normalizeETag(e string) string { return strings.ToUpper(strings.Trim(strings.TrimSpace(e), `"`)) }

func (s *Server) completeMultipartUpload(w http.ResponseWriter, r *http.Request, c *call) error {
	id := c.query.Get("uploadId")
	dir, u, err := s.loadUpload(id, c.bucket, c.key)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxCompleteBody+1))
	if err != nil {
		return err
	}
	if len(body) > maxCompleteBody {
		return newError(http.StatusBadRequest, CodeMalformedXML, "The CompleteMultipartUpload body is too large.")
	}
	var parts []part
	if strings.EqualFold(r.Header.Get("x-oss-complete-all"), "yes") {
		if len(strings.TrimSpace(string(body))) > 0 {
			return errInvalidArgument("Should not specify both complete all header and http body.")
		}
		if parts, err = listUploadedParts(dir); err != nil {
			return err
		}
		if len(parts) == 0 {
			return newError(http.StatusBadRequest, CodeInvalidPart, "The upload has no parts to complete.")
		}
	} else if parts, err = requestedParts(dir, body); err != nil {
		return err
	}
	for i, p := range parts {
		if i < len(parts)-1 && p.Size < minPartSize {
			return newError(http.StatusBadRequest, CodeEntityTooSmall, "Your proposed upload is smaller than the minimum allowed size.",
				ErrorField{"PartNumber", strconv.Itoa(p.PartNumber)}, ErrorField{"MinSizeAllowed", strconv.Itoa(minPartSize)},
				ErrorField{"ProposedSize", strconv.FormatInt(p.Size, 10)})
		}
	}
	cb, cerr := callbackFromRequest(r, c.query)
	if cerr != nil {
		return cerr
	}
	in, err := s.assemble(dir, parts)
	if err != nil {
		return err
	}
	defer in.discard()
	var md5s []byte
	for _, p := range parts {
		md5s = append(md5s, p.MD5...)
	}
	meta := u.Meta
	meta.Key, meta.Size, meta.CRC64, meta.LastModified, meta.Multipart = c.key, in.size, in.crc, c.now.UTC(), true
	meta.ETag = fmt.Sprintf(`"%s-%d"`, strings.ToUpper(hex.EncodeToString(md5Sum(md5s))), len(parts))
	forbid, ferr := forbidOverwrite(r.Header.Get("x-oss-forbid-overwrite"))
	if ferr != nil {
		return ferr
	}
	forbid = forbid || u.ForbidOverwrite
	if err := s.store.commit(c.bucket, c.key, in, meta, forbid); err != nil {
		return err
	}
	_ = os.RemoveAll(dir)
	key, enc := encodeKey(c, c.key)
	w.Header().Set("ETag", meta.ETag)
	w.Header().Set("x-oss-hash-crc64ecma", strconv.FormatUint(meta.CRC64, 10))
	if cb != nil {
		return s.finishWithCallback(w, r, c, cb, meta)
	}
	writeXML(w, http.StatusOK, struct {
		XMLName      xml.Name `xml:"CompleteMultipartUploadResult"`
		EncodingType string   `xml:"EncodingType,omitempty"`
		Location     string   `xml:"Location"`
		Bucket       string   `xml:"Bucket"`
		Key          string   `xml:"Key"`
		ETag         string   `xml:"ETag"`
	}{EncodingType: enc, Location: "http://" + r.Host + "/" + c.bucket + "/" + rfc3986Escape(c.key, true),
		Bucket: c.bucket, Key: key, ETag: meta.ETag})
	return nil
}

// requestedParts parses a CompleteMultipartUpload body and checks each part against the upload.
func requestedParts(dir string, body []byte) ([]part, error) {
	var req struct {
		Parts []struct {
			PartNumber int    `xml:"PartNumber"`
			ETag       string `xml:"ETag"`
		} `xml:"Part"`
	}
	if err := xml.Unmarshal(body, &req); err != nil || len(req.Parts) == 0 {
		return nil, newError(http.StatusBadRequest, CodeMalformedXML,
			"The XML you provided was not well-formed or did not validate against our published schema.")
	}
	parts := make([]part, 0, len(req.Parts))
	for i, rp := range req.Parts {
		if i > 0 && rp.PartNumber <= req.Parts[i-1].PartNumber {
			return nil, newError(http.StatusBadRequest, CodeInvalidPartOrder,
				"The list of parts was not in ascending order. Parts must be ordered by part number.")
		}
		var p *part
		var err error
		if rp.PartNumber >= 1 && rp.PartNumber <= maxPartNumber {
			p, err = loadPart(dir, rp.PartNumber)
		}
		if p == nil || err != nil || normalizeETag(p.ETag) != normalizeETag(rp.ETag) {
			return nil, newError(http.StatusBadRequest, CodeInvalidPart,
				"One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag.",
				ErrorField{"PartNumber", strconv.Itoa(rp.PartNumber)}, ErrorField{"ETag", rp.ETag})
		}
		parts = append(parts, *p)
	}
	return parts, nil
}

// assemble concatenates parts into one temporary file.
func (s *Server) assemble(dir string, parts []part) (*ingested, error) {
	readers := make([]io.Reader, 0, len(parts))
	var files []*os.File
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	for _, p := range parts {
		f, err := os.Open(partBase(dir, p.PartNumber) + partDataSuffix)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
		readers = append(readers, f)
	}
	return s.store.ingest(io.MultiReader(readers...), s.maxSize)
}

func (s *Server) abortMultipartUpload(w http.ResponseWriter, c *call) error {
	dir, _, err := s.loadUpload(c.query.Get("uploadId"), c.bucket, c.key)
	if err != nil {
		return err
	}
	s.store.mu.Lock()
	err = os.RemoveAll(dir)
	s.store.mu.Unlock()
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listParts(w http.ResponseWriter, c *call) error {
	id := c.query.Get("uploadId")
	dir, _, err := s.loadUpload(id, c.bucket, c.key)
	if err != nil {
		return err
	}
	maxParts, marker := defaultMaxParts, 0
	if v := c.query.Get("max-parts"); v != "" {
		if maxParts, err = strconv.Atoi(v); err != nil || maxParts < 1 || maxParts > defaultMaxParts {
			return errInvalidArgument("max-parts must be an integer between 1 and 1000.")
		}
	}
	if v := c.query.Get("part-number-marker"); v != "" {
		if marker, err = strconv.Atoi(v); err != nil || marker < 0 {
			return errInvalidArgument("part-number-marker must be a non-negative integer.")
		}
	}
	all, err := listUploadedParts(dir)
	if err != nil {
		return err
	}
	type xmlPart struct {
		PartNumber   int    `xml:"PartNumber"`
		LastModified string `xml:"LastModified"`
		ETag         string `xml:"ETag"`
		HashCRC64    string `xml:"HashCrc64ecma"`
		Size         int64  `xml:"Size"`
	}
	var out []xmlPart
	truncated, next := false, marker
	for _, p := range all {
		if p.PartNumber <= marker {
			continue
		}
		if len(out) == maxParts {
			truncated = true
			break
		}
		out = append(out, xmlPart{p.PartNumber, ossTime(p.LastModified), p.ETag, strconv.FormatUint(p.CRC64, 10), p.Size})
		next = p.PartNumber
	}
	key, enc := encodeKey(c, c.key)
	writeXML(w, http.StatusOK, struct {
		XMLName              xml.Name  `xml:"ListPartsResult"`
		EncodingType         string    `xml:"EncodingType,omitempty"`
		Bucket               string    `xml:"Bucket"`
		Key                  string    `xml:"Key"`
		UploadID             string    `xml:"UploadId"`
		StorageClass         string    `xml:"StorageClass"`
		PartNumberMarker     int       `xml:"PartNumberMarker"`
		NextPartNumberMarker int       `xml:"NextPartNumberMarker"`
		MaxParts             int       `xml:"MaxParts"`
		IsTruncated          bool      `xml:"IsTruncated"`
		Parts                []xmlPart `xml:"Part"`
	}{EncodingType: enc, Bucket: c.bucket, Key: key, UploadID: id, StorageClass: "Standard",
		PartNumberMarker: marker, NextPartNumberMarker: next, MaxParts: maxParts, IsTruncated: truncated, Parts: out})
	return nil
}
