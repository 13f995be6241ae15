package main

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/shared/api"
	"github.com/fc-oss-upload/fc-oss-upload/shared/fcweb"
	"github.com/fc-oss-upload/fc-oss-upload/shared/ossauth"
	"github.com/fc-oss-upload/fc-oss-upload/shared/osscallback"
	"github.com/fc-oss-upload/fc-oss-upload/shared/upload"
)

// Uppy Companion's S3 routes, so that @uppy/aws-s3 (endpoint in Uppy 5, companionEndpoint in
// Uppy 6) uploads through this function with no client code. The requests and answers follow
// @uppy/companion 6.2.2 src/server/controllers/s3.js and the clients of @uppy/aws-s3 5.1.0
// (lib/index.js) and 6.1.0 (lib/s3-client/CompanionS3.js), as installed in scripts/node.

// CompanionPrefix is where the Companion S3 routes live.
const CompanionPrefix = "/s3/"

const (
	// PartSize is the size of every part but the last: Uppy's default chunk size (5 MiB, S3's
	// minimum; @uppy/aws-s3 S3Uploader.js MIN_CHUNK_SIZE) for every file under 48.8 GiB, and well
	// above OSS's 100 KB minimum for every part but the last, which OSS checks only at completion
	// (https://help.aliyun.com/en/oss/user-guide/0017-00000219).
	PartSize = 5 << 20
	// maxPartNumber is OSS's limit on part numbers (1 to 10,000, same page).
	maxPartNumber = 10000
	// maxCompleteBody bounds the complete request: 10,000 parts of {PartNumber, ETag} fit in
	// 1 MiB, the limit Companion sets for the same reason.
	maxCompleteBody = 1 << 20
)

// companionRoutes returns the /s3/ routes of the function.
func (s *server) companionRoutes() fcweb.Route {
	mux := http.NewServeMux()
	mux.Handle("GET /s3/params", fcweb.JSON(s.params))
	mux.Handle("POST /s3/multipart", fcweb.JSON(s.initiate))
	mux.Handle("GET /s3/multipart/{uploadId}", fcweb.JSON(s.listParts))
	mux.Handle("DELETE /s3/multipart/{uploadId}", fcweb.JSON(s.abortMultipart))
	mux.Handle("GET /s3/multipart/{uploadId}/{partNumber}", fcweb.JSON(s.partURL))
	mux.Handle("POST /s3/multipart/{uploadId}/complete", fcweb.JSON(s.complete))
	mux.HandleFunc("/s3/", func(w http.ResponseWriter, r *http.Request) {
		fcweb.WriteError(w, r, upload.Errorf(upload.CodeNotFound, "no route %s %s; the S3 routes are listed in the README", r.Method, r.URL.Path))
	})
	return fcweb.Route{
		Path: CompanionPrefix, Prefix: true, MaxBodyBytes: maxCompleteBody, Handler: mux,
		Methods: []string{http.MethodGet, http.MethodPost, http.MethodDelete},
	}
}

// maxParts is the largest part number an upload may use: enough PartSize parts for the largest
// allowed object, and never over OSS's 10,000.
func (s *server) maxParts() int {
	if s.cfg.Rules.MaxSize <= 0 {
		return maxPartNumber
	}
	return int(min(int64(maxPartNumber), (s.cfg.Rules.MaxSize+PartSize-1)/PartSize))
}

// readJSON decodes a JSON body whatever its declared type (Uppy's clients send application/json;
// a text/plain body, which a browser sends without a preflight, is read the same way).
func readJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return upload.Errorf(upload.CodePayloadTooLarge, "request body is over %d bytes", tooBig.Limit)
		}
		if errors.Is(err, io.EOF) {
			return upload.Errorf(upload.CodeInvalidArgument, "send a JSON body")
		}
		return upload.Errorf(upload.CodeInvalidArgument, "request body is not valid JSON: %v", err)
	}
	return nil
}

// --- GET /s3/params: a single upload as a V4 POST policy ---

func (s *server) params(r *http.Request) (any, error) {
	// The same grant as postsignature's policies (type, size, disposition of active content,
	// overwrite, status): what is signed is what OSS can store.
	g, err := s.grants.Read(r, upload.Form, paramsIntent)
	if err != nil {
		return nil, err
	}
	signed, err := s.signer.Post(r.Context(), g)
	if err != nil {
		return nil, err
	}
	return &api.Params{
		Method: http.MethodPost, URL: s.cfg.Endpoint.BucketURL(s.cfg.Bucket), Fields: signed.Fields(),
		Headers: map[string]string{}, Expires: int64(s.cfg.Rules.Expires / time.Second),
	}, nil
}

// paramsIntent reads Companion's query: filename, type and size.
func paramsIntent(r *http.Request) (upload.Intent, error) {
	q := r.URL.Query()
	size, err := upload.ParseSize(q.Get("size"))
	return upload.Intent{Filename: q.Get("filename"), ContentType: q.Get("type"), Size: size}, err
}

// --- POST /s3/multipart: initiate ---

type createRequest struct {
	Filename string `json:"filename"`
	Type     string `json:"type"`
	// Metadata is Uppy's file.meta filtered by the plugin's allowedMetaFields (all of it by
	// default): @uppy/aws-s3 6.1.0 lib/s3-client/CompanionS3.js:56-58 sends
	// {filename, metadata, type} with metadata from lib/index.js:218-221 (values as they are), and
	// @uppy/aws-s3 5.1.0 lib/index.js:172-183 sends {filename, type, metadata} with every value
	// turned into a string (getAllowedMetadata, lib/index.js:34-45). Neither sends the file's size
	// (file.meta holds name and type, @uppy/core 6.0.1 lib/Uppy.js:479-483), so the page adds it
	// as metadata.size; nothing else of metadata is read or stored.
	Metadata json.RawMessage `json:"metadata"`
	// Size is the file's size for clients other than Uppy (the presigned demo page).
	Size json.RawMessage `json:"size"`
}

// errSizeRequired is the answer to an initiation that names no size: every part URL is signed for
// its exact length, which needs the file's size (OSS's V4 signature can bind an exact
// Content-Length, never a range).
var errSizeRequired = upload.Errorf(upload.CodeSizeRequired,
	"name the file's size in bytes when starting a multipart upload: with Uppy, add "+
		"uppy.on('file-added', (file) => uppy.setFileMeta(file.id, { size: file.size })) "+
		"(and keep \"size\" in @uppy/aws-s3's allowedMetaFields if you set it); other clients send "+
		`{"filename", "type", "size": <bytes>}`)

// parseSize reads a size sent as a JSON number or, as Uppy 5 sends metadata, a string of digits:
// a whole, non-negative number of bytes.
func parseSize(field string, raw json.RawMessage) (int64, error) {
	v := strings.TrimSpace(string(raw))
	if unq, err := strconv.Unquote(v); err == nil && strings.HasPrefix(v, `"`) {
		v = unq
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || strings.HasPrefix(v, "+") {
		return 0, upload.Errorf(upload.CodeInvalidArgument, "%s %.40s must be a whole, non-negative number of bytes", field, raw)
	}
	return n, nil
}

// requestSize returns the size an initiation names, in size or metadata.size, or -1.
func requestSize(req createRequest) (int64, error) {
	size := int64(-1)
	if len(req.Size) > 0 && string(req.Size) != "null" {
		n, err := parseSize("size", req.Size)
		if err != nil {
			return 0, err
		}
		size = n
	}
	var meta map[string]json.RawMessage
	if json.Unmarshal(req.Metadata, &meta) == nil {
		if raw, ok := meta["size"]; ok && string(raw) != "null" {
			n, err := parseSize("metadata.size", raw)
			if err != nil {
				return 0, err
			}
			if size >= 0 && n != size {
				return 0, upload.Errorf(upload.CodeInvalidArgument, "size %d and metadata.size %d differ; send one", size, n)
			}
			size = n
		}
	}
	return size, nil
}

// partCount is the number of PartSize parts a file of size bytes takes (one for an empty file).
// It is Uppy's chunking for every file this function allows: @uppy/aws-s3 6.1.0
// lib/S3Uploader.js:46-57 and 5.1.0 lib/MultipartUploader.js:77-90 cut parts of
// max(getChunkSize, 5 MiB) bytes, the last one smaller, and the default getChunkSize
// (ceil(size / 10,000): 6.1.0 S3Uploader.js:95-100, 5.1.0 MultipartUploader.js:3-6) stays under
// 5 MiB up to 10,000 parts of 5 MiB, the most initiate allows.
func partCount(size int64) int {
	return int(max(1, (size+PartSize-1)/PartSize))
}

// partLength is the exact length of part n (1-based) of a file of size bytes.
func partLength(size int64, n int) int64 {
	return min(PartSize, size-int64(n-1)*PartSize)
}

// checkUploadSize applies the limits to the size of a multipart upload: OSS_MAX_SIZE_BYTES and
// at most maxParts parts of PartSize.
func (s *server) checkUploadSize(size int64) error {
	if err := s.cfg.Rules.CheckIntent(upload.Intent{Size: size}); err != nil {
		return err
	}
	if size > int64(s.maxParts())*PartSize {
		return upload.Errorf(upload.CodePayloadTooLarge, "file is %d bytes; at most %d parts of %d bytes are allowed", size, s.maxParts(), PartSize)
	}
	return nil
}

func (s *server) initiate(r *http.Request) (any, error) {
	g, err := s.grants.Read(r, upload.Multipart, createIntent)
	if err != nil {
		return nil, err
	}
	if err := s.checkUploadSize(g.Size); err != nil {
		return nil, err
	}
	creds, err := s.roleCreds(r)
	if err != nil {
		return nil, err
	}
	// The size is in the key (upload.MultipartKey): OSS binds the upload ID to it, so the later
	// calls read it back (upload.CheckIssuedKey) and a client cannot change it.
	uploadID, err := s.store.Initiate(r.Context(), creds, g.Key, initiation{ContentType: g.ContentType, Disposition: g.Disposition, ForbidOverwrite: g.ForbidOverwrite})
	if err != nil {
		return nil, ossFailure("initiating the upload", err)
	}
	return &api.Multipart{Key: g.Key, UploadID: uploadID, Bucket: s.cfg.Bucket, Size: g.Size, Parts: partCount(g.Size), PartSize: PartSize, MaxParts: s.maxParts()}, nil
}

// createIntent reads the JSON body of an initiation, which must name the file's size.
func createIntent(r *http.Request) (upload.Intent, error) {
	var req createRequest
	if err := readJSON(r, &req); err != nil {
		return upload.Intent{}, err
	}
	size, err := requestSize(req)
	if err != nil {
		return upload.Intent{}, err
	}
	if size < 0 {
		return upload.Intent{}, errSizeRequired
	}
	return upload.Intent{Filename: req.Filename, ContentType: req.Type, Size: size}, nil
}

// target is the upload a request names: its key (checked against the caller's prefix), ID, the
// caller's user segment, and the size the key carries (-1 for a key without one).
type target struct {
	key, uploadID, user string
	size                int64
}

func (s *server) target(r *http.Request) (target, error) {
	id := r.PathValue("uploadId")
	if id == "" || len(id) > 256 || strings.ContainsFunc(id, func(c rune) bool { return c <= ' ' || c > '~' }) {
		return target{}, upload.Errorf(upload.CodeInvalidArgument, "uploadId %q is not an upload ID", id)
	}
	q := r.URL.Query()
	if len(q["key"]) != 1 || q.Get("key") == "" {
		return target{}, upload.Errorf(upload.CodeInvalidArgument, `pass the key the upload was created with, once, as ?key=`)
	}
	user, err := fcweb.User(r, s.cfg.Auth)
	if err != nil {
		return target{}, err
	}
	key := q.Get("key")
	size, err := upload.CheckIssuedKey(s.cfg.Rules.Prefix(user), key)
	if err != nil {
		return target{}, err
	}
	return target{key: key, uploadID: id, user: user, size: size}, nil
}

// sizedTarget is target for the routes that need the upload's size (sign a part, complete): the
// key must carry one, within today's limits.
func (s *server) sizedTarget(r *http.Request) (target, error) {
	t, err := s.target(r)
	if err != nil {
		return t, err
	}
	if t.size < 0 {
		return t, upload.Errorf(upload.CodeInvalidArgument, "key %q carries no size (its upload was started before part sizes were pinned); start a new upload", t.key)
	}
	return t, s.checkUploadSize(t.size)
}

// --- GET /s3/multipart/{uploadId}/{partNumber}: a presigned UploadPart URL ---

// partURL signs the UploadPart of part n for exactly its length, computed from the size in the
// key: Uppy asks without a size (@uppy/aws-s3 6.1.0 lib/s3-client/CompanionS3.js:69-74 sends only
// ?key=; 5.1.0 lib/index.js:260-270 likewise), so the length comes from the upload itself.
func (s *server) partURL(r *http.Request) (any, error) {
	t, err := s.sizedTarget(r)
	if err != nil {
		return nil, err
	}
	raw := r.PathValue("partNumber")
	count := partCount(t.size)
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > count {
		return nil, upload.Errorf(upload.CodeInvalidArgument, "part number %q must be a whole number from 1 to %d: this upload of %d bytes has %d parts of at most %d bytes", raw, count, t.size, count, PartSize)
	}
	length := partLength(t.size, n)
	if v := r.URL.Query().Get("size"); v != "" && v != strconv.FormatInt(length, 10) {
		return nil, upload.Errorf(upload.CodeInvalidArgument, "size %q is not part %d's length, %d bytes (the size named when the upload started fixes every part's length); leave size out", v, n, length)
	}
	// Signing Content-Length pins the part to exactly this length: OSS refuses another body with
	// SignatureDoesNotMatch.
	req := ossauth.PresignV4Options{
		Endpoint: s.cfg.Endpoint, Method: http.MethodPut, Bucket: s.cfg.Bucket, Key: t.key,
		Region: s.cfg.Region, Expires: s.cfg.Rules.Expires,
		Header:            http.Header{"Content-Length": {strconv.FormatInt(length, 10)}},
		AdditionalHeaders: []string{"content-length"},
		Query:             url.Values{"partNumber": {strconv.Itoa(n)}, "uploadId": {t.uploadID}},
	}
	signedURL, err := s.signer.Presign(r.Context(), req, s.now())
	if err != nil {
		return nil, err
	}
	return &api.PartURL{
		URL:    signedURL,
		Method: http.MethodPut, Headers: map[string]string{}, Expires: int64(s.cfg.Rules.Expires / time.Second),
		ContentLength: length,
	}, nil
}

// --- GET /s3/multipart/{uploadId}: the parts uploaded so far (resume) ---

func (s *server) listParts(r *http.Request) (any, error) {
	t, creds, err := s.targetWithCreds(r)
	if err != nil {
		return nil, err
	}
	parts, err := s.store.ListParts(r.Context(), creds, t.key, t.uploadID)
	if err != nil {
		return nil, ossFailure("listing the parts", err)
	}
	if parts == nil {
		parts = []api.Part{} // Uppy reads a JSON array
	}
	return parts, nil
}

// --- DELETE /s3/multipart/{uploadId}: abort ---

func (s *server) abortMultipart(r *http.Request) (any, error) {
	t, creds, err := s.targetWithCreds(r)
	if err != nil {
		return nil, err
	}
	if err := s.store.Abort(r.Context(), creds, t.key, t.uploadID); err != nil {
		return nil, ossFailure("aborting the upload", err)
	}
	return struct{}{}, nil
}

// roleCreds are the function role's credentials, which make the multipart calls.
func (s *server) roleCreds(r *http.Request) (ossauth.Credentials, error) {
	creds, err := s.creds.Credentials(r.Context())
	if err != nil {
		return ossauth.Credentials{}, upload.Unavailable("upload credentials", err)
	}
	return creds, nil
}

// targetWithCreds is the upload a request names (s.target) and the credentials to act on it.
func (s *server) targetWithCreds(r *http.Request) (target, ossauth.Credentials, error) {
	t, err := s.target(r)
	if err != nil {
		return t, ossauth.Credentials{}, err
	}
	creds, err := s.roleCreds(r)
	return t, creds, err
}

// --- POST /s3/multipart/{uploadId}/complete ---

type completeRequest struct {
	Parts []struct {
		PartNumber json.Number `json:"PartNumber"`
		ETag       string      `json:"ETag"`
	} `json:"parts"`
}

func normalizeETag(e string) string { return strings.ToUpper(strings.Trim(strings.TrimSpace(e), `"`)) }

func (s *server) complete(r *http.Request) (any, error) {
	t, err := s.sizedTarget(r)
	if err != nil {
		return nil, err
	}
	var req completeRequest
	if err := readJSON(r, &req); err != nil {
		return nil, err
	}
	listed, err := s.listedParts(req)
	if err != nil {
		return nil, err
	}
	creds, err := s.roleCreds(r)
	if err != nil {
		return nil, err
	}
	held, err := s.store.ListParts(r.Context(), creds, t.key, t.uploadID)
	if err != nil {
		return nil, ossFailure("listing the parts", err)
	}
	total, refusal, final := checkParts(listed, held, t.size)
	if refusal != nil {
		if !final {
			return nil, refusal // parts are missing: the client may still send them
		}
		// The upload can never complete as it should: abort it, so its parts stop costing.
		if err := s.store.Abort(r.Context(), creds, t.key, t.uploadID); err != nil {
			fcweb.Logger(r.Context()).Error("aborting a refused multipart upload failed", "error", err.Error())
		}
		return nil, refusal
	}
	fin := completion{ForbidOverwrite: s.cfg.Rules.ForbidOverwrite}
	if s.cfg.Rules.CallbackURL != "" {
		// OSS calls the callback function after completing, as for single uploads; the filename is
		// not known here (the key keeps only its extension).
		fin.Callback = osscallback.Param(s.cfg.Rules.CallbackURL)
		fin.CallbackVar = osscallback.EncodeVars(osscallback.Vars(t.user, ""))
	}
	answer, err := s.store.Complete(r.Context(), creds, t.key, t.uploadID, held, fin)
	if err != nil {
		return nil, ossFailure("completing the upload", err)
	}
	resp := &api.Completed{Location: s.objectURL(t.key), Key: t.key, Bucket: s.cfg.Bucket, Size: total}
	if len(answer) > 0 && json.Valid(answer) {
		resp.Callback = answer
	}
	return resp, nil
}

// listedParts validates the client's part list: 1 to maxParts entries of a part number and an ETag.
func (s *server) listedParts(req completeRequest) ([]api.Part, error) {
	if len(req.Parts) == 0 {
		return nil, upload.Errorf(upload.CodeInvalidArgument, "parts must list the uploaded parts as [{PartNumber, ETag}]")
	}
	if len(req.Parts) > s.maxParts() {
		return nil, upload.Errorf(upload.CodePayloadTooLarge, "%d parts listed; at most %d are allowed", len(req.Parts), s.maxParts())
	}
	out := make([]api.Part, len(req.Parts))
	for i, p := range req.Parts {
		n, err := strconv.Atoi(p.PartNumber.String())
		if err != nil || n < 1 || n > maxPartNumber || p.ETag == "" {
			return nil, upload.Errorf(upload.CodeInvalidArgument, "parts[%d] must have a PartNumber from 1 to %d and an ETag", i, maxPartNumber)
		}
		out[i] = api.Part{PartNumber: n, ETag: p.ETag}
	}
	slices.SortFunc(out, func(a, b api.Part) int { return a.PartNumber - b.PartNumber })
	for i := 1; i < len(out); i++ {
		if out[i].PartNumber == out[i-1].PartNumber {
			return nil, upload.Errorf(upload.CodeInvalidArgument, "part %d is listed twice", out[i].PartNumber)
		}
	}
	return out, nil
}

// checkParts compares the client's sorted list with the parts OSS holds (sorted) for an upload of
// size bytes: the same part numbers with the same ETags, each part exactly its length (partLength),
// and all of them. It returns the total size, or the refusal and whether it is final (the upload
// can never complete: abort it) or not (parts are missing, which the client may still upload).
func checkParts(listed, held []api.Part, size int64) (total int64, refusal error, final bool) {
	if len(held) != len(listed) {
		return 0, upload.Errorf(upload.CodeInvalidArgument, "%d parts listed but %d uploaded; the upload is aborted", len(listed), len(held)), true
	}
	count := partCount(size)
	for i, h := range held {
		l := listed[i]
		if h.PartNumber != l.PartNumber || normalizeETag(h.ETag) != normalizeETag(l.ETag) {
			return 0, upload.Errorf(upload.CodeInvalidArgument, "part %d (ETag %s) is not an uploaded part; the upload is aborted", l.PartNumber, l.ETag), true
		}
		if h.PartNumber > count {
			return 0, upload.Errorf(upload.CodePayloadTooLarge, "part %d is past the end of this %d-byte upload of %d parts; the upload is aborted", h.PartNumber, size, count), true
		}
		if want := partLength(size, h.PartNumber); h.Size != want {
			return 0, upload.Errorf(upload.CodeInvalidArgument, "part %d is %d bytes, not its %d; the upload is aborted", h.PartNumber, h.Size, want), true
		}
		total += h.Size
	}
	if len(held) < count {
		var missing []string
		for i, n := 0, 1; n <= count && len(missing) < 10; n++ {
			if i < len(held) && held[i].PartNumber == n {
				i++
				continue
			}
			missing = append(missing, strconv.Itoa(n))
		}
		return 0, upload.Errorf(upload.CodeInvalidArgument, "%d of this upload's %d parts are uploaded (missing: %s...); upload the rest, then complete again", len(held), count, strings.Join(missing, ", ")), false
	}
	return total, nil, false
}

// objectURL is the URL of key in the bucket (the Location of a completed upload).
func (s *server) objectURL(key string) string {
	segs := strings.Split(key, "/")
	for i, seg := range segs {
		segs[i] = url.PathEscape(seg)
	}
	return s.cfg.Endpoint.BucketURL(s.cfg.Bucket) + "/" + strings.Join(segs, "/")
}
