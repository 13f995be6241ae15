package localoss

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/internal/localcred"
)

// DefaultMaxObjectSize is the largest object accepted when Options.MaxObjectSize is zero: 5 GiB,
// OSS's limit for PutObject and PostObject.
const DefaultMaxObjectSize int64 = 5 << 30

// Options configures a Server.
type Options struct {
	// Dir is the data directory; objects are stored under it (see Server). Required.
	Dir string
	// Keys holds the AccessKeys that may sign requests. Required.
	Keys *localcred.Registry
	// Buckets are the bucket names served; any other bucket is NoSuchBucket. Required.
	Buckets []string
	// Region is the region V4 signatures must be scoped to, e.g. "cn-hangzhou" (an "oss-"
	// prefix is stripped). Required.
	Region string
	// Now is the clock used for expiry and skew checks. Optional; nil means time.Now.
	Now func() time.Time
	// Cnames maps custom domains bound to a bucket (host name without port, lower case) to that
	// bucket: a request to one is addressed like a virtual-hosted one, the whole path being the key.
	// Optional.
	Cnames map[string]string
	// AllowedOrigins are the CORS origins answered, exact values or "*". Optional; nil or empty
	// means "*".
	AllowedOrigins []string
	// PublicRead lets anonymous (unsigned) GET and HEAD requests read objects. Optional.
	PublicRead bool
	// MaxObjectSize bounds one object, in bytes. Optional; zero means DefaultMaxObjectSize.
	MaxObjectSize int64
	// CallbackClient performs upload callbacks (see CallbackKeyPath). Optional; nil means
	// http.DefaultClient, each callback bounded by OSS's 5 seconds.
	CallbackClient *http.Client
	// Logger receives one access line per request and internal errors. It never receives
	// signatures, security tokens, secrets, policies or signed URLs. Optional; nil discards.
	Logger *slog.Logger
}

// Server is a strict local OSS endpoint: an http.Handler that verifies OSS V1/V4 header and URL
// signatures and V1/V4 PostObject policies the way OSS does, enforces security tokens, key expiry
// and session policies from a localcred.Registry, and stores objects on disk.
type Server struct {
	keys       *localcred.Registry
	buckets    map[string]bool
	region     string
	now        func() time.Time
	cnames     map[string]string
	origins    []string
	publicRead bool
	maxSize    int64
	log        *slog.Logger
	store      *store

	callbackClient *http.Client
	cbKeyOnce      sync.Once
	cbKey          *rsa.PrivateKey
	cbKeyErr       error
}

// New validates opts, creates the data directory if needed and returns a Server.
func New(opts Options) (*Server, error) {
	var problems []string
	if opts.Dir == "" {
		problems = append(problems, "Dir is required")
	}
	if opts.Keys == nil {
		problems = append(problems, "Keys is required")
	}
	if len(opts.Buckets) == 0 {
		problems = append(problems, "Buckets needs at least one bucket")
	}
	for _, b := range opts.Buckets {
		if !validBucketName(b) {
			problems = append(problems, fmt.Sprintf("bucket name %q is invalid (3-63 of a-z 0-9 -, starting and ending with a letter or digit)", b))
		}
	}
	region := strings.TrimPrefix(opts.Region, "oss-")
	if region == "" {
		problems = append(problems, "Region is required")
	}
	if opts.MaxObjectSize < 0 {
		problems = append(problems, "MaxObjectSize must not be negative")
	}
	if len(problems) > 0 {
		return nil, errors.New("localoss: invalid options: " + strings.Join(problems, "; "))
	}
	st, err := newStore(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("localoss: data directory: %w", err)
	}
	s := &Server{
		keys:       opts.Keys,
		buckets:    map[string]bool{},
		region:     region,
		now:        opts.Now,
		cnames:     opts.Cnames,
		origins:    opts.AllowedOrigins,
		publicRead: opts.PublicRead,
		maxSize:    opts.MaxObjectSize,
		log:        opts.Logger,
		store:      st,

		callbackClient: opts.CallbackClient,
	}
	for _, b := range opts.Buckets {
		s.buckets[b] = true
	}
	if s.now == nil {
		s.now = time.Now
	}
	if len(s.origins) == 0 {
		s.origins = []string{"*"}
	}
	if s.maxSize == 0 {
		s.maxSize = DefaultMaxObjectSize
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return s, nil
}

func validBucketName(b string) bool {
	if len(b) < 3 || len(b) > 63 || b[0] == '-' || b[len(b)-1] == '-' {
		return false
	}
	for _, c := range b {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// Object returns the stored bytes and metadata of bucket/key, or ErrNotFound.
func (s *Server) Object(bucket, key string) ([]byte, ObjectMeta, error) {
	if !s.buckets[bucket] {
		return nil, ObjectMeta{}, ErrNotFound
	}
	f, meta, err := s.store.open(bucket, key)
	var e *Error
	if errors.As(err, &e) {
		return nil, ObjectMeta{}, fmt.Errorf("%w: %s", ErrNotFound, e.Message)
	}
	if err != nil {
		return nil, ObjectMeta{}, err
	}
	defer f.Close()
	body, err := io.ReadAll(f)
	return body, meta, err
}

// ListKeys returns the keys stored in bucket, sorted in byte order.
func (s *Server) ListKeys(bucket string) ([]string, error) {
	if !s.buckets[bucket] {
		return nil, ErrNotFound
	}
	return s.store.list(bucket)
}

// call is the request-scoped state of one ServeHTTP.
type call struct {
	id     string
	now    time.Time
	op     string
	bucket string
	key    string
	query  url.Values
	ak     string // AccessKeyId that signed the request, for the access log only
}

// ServeHTTP answers one OSS request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := &call{id: newRequestID(), now: s.now()}
	h := w.Header()
	h.Set("x-oss-request-id", c.id)
	h.Set("Server", "AliyunOSS")
	h.Set("Date", c.now.UTC().Format(http.TimeFormat))
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}

	err := s.serve(rec, r, c)
	code := ""
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			s.log.Error("internal error", "request_id", c.id, "op", c.op, "err", err)
			e = newError(http.StatusInternalServerError, CodeInternalError, "We encountered an internal error. Please try again.")
		}
		code = e.Code
		if !rec.wrote {
			writeError(rec, e, c.id, r.Host)
		}
	}
	s.log.Info("oss request", "request_id", c.id, "method", r.Method, "op", c.op, "bucket", c.bucket,
		"key", c.key, "access_key_id", c.ak, "status", rec.status, "code", code, "bytes_out", rec.bytes)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, c *call) error {
	if r.Method == http.MethodOptions {
		c.op = "PreflightCORS"
		return s.preflight(w, r)
	}
	s.setCORS(w, r)
	if r.URL.Path == CallbackKeyPath && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		c.op = "GetCallbackPublicKey"
		return s.servePublicKey(w)
	}

	bucket, key, ok := s.route(r)
	c.bucket, c.key = bucket, key
	if !ok {
		return newError(http.StatusMethodNotAllowed, CodeMethodNotAllowed, "The specified method is not allowed against this resource.",
			ErrorField{"Method", r.Method}, ErrorField{"ResourceType", "Service"})
	}
	if !s.buckets[bucket] {
		return newError(http.StatusNotFound, CodeNoSuchBucket, "The specified bucket does not exist.", ErrorField{"BucketName", bucket})
	}
	q, perr := url.ParseQuery(r.URL.RawQuery)
	if perr != nil {
		return errInvalidArgument("The query string is malformed.")
	}
	c.query = q
	op, err := classify(r.Method, key, q, r.Header)
	c.op = op
	if err != nil {
		return err
	}
	if op == opPostObject {
		return s.postObject(w, r, c)
	}
	if err := validateKey(key); err != nil {
		return err
	}
	cred, aerr := s.authenticate(signedRequest{method: r.Method, header: r.Header, host: r.Host,
		bucket: bucket, key: key, query: q}, c.now)
	if aerr != nil {
		return aerr
	}
	if cred == nil {
		if !(s.publicRead && (op == opGetObject || op == opHeadObject)) {
			return errAccessDenied("You have no right to access this object because of bucket acl.")
		}
	} else {
		c.ak = cred.AccessKeyID
		if err := s.authorize(cred, op, bucket, key); err != nil {
			return err
		}
	}
	switch op {
	case opPutObject:
		return s.putObject(w, r, c)
	case opGetObject, opHeadObject:
		return s.getObject(w, r, c)
	case opDeleteObject:
		return s.deleteObject(w, c)
	case opInitiateMultipartUpload:
		return s.initiateMultipartUpload(w, r, c)
	case opUploadPart:
		return s.uploadPart(w, r, c)
	case opCompleteMultipartUpload:
		return s.completeMultipartUpload(w, r, c)
	case opAbortMultipartUpload:
		return s.abortMultipartUpload(w, c)
	case opListParts:
		return s.listParts(w, c)
	}
	return newError(http.StatusNotImplemented, CodeNotImplemented, "A header or query you provided implies functionality that is not implemented.")
}

// authorize holds op on bucket/key to the key's identity policy and session policy (localcred
// Key.Permits), with the RAM action OSS requires for the operation (ossAction).
func (s *Server) authorize(k *localcred.Key, op, bucket, key string) *Error {
	action, resource := ossAction(op), "acs:oss:*:*:"+bucket+"/"+key
	allowed, err := k.Permits(action, resource)
	if err != nil {
		s.log.Warn("a policy of the key does not parse; denying", "access_key_id", k.AccessKeyID, "err", err)
	}
	if !allowed {
		return errAccessDenied("You have no right to access this object because the policy attached to your AccessKey does not allow "+action+" on it.",
			ErrorField{"Action", action}, ErrorField{"Resource", resource})
	}
	return nil
}

// ossAction maps an operation to the RAM action that authorises it, as OSS's action table lists them
// (https://www.alibabacloud.com/help/en/oss/user-guide/ram-policy-overview, object-level operations:
// PutObject, PostObject, InitiateMultipartUpload, UploadPart and CompleteMultipartUpload need
// oss:PutObject, GetObject and HeadObject oss:GetObject, AbortMultipartUpload and ListParts their
// own action; the API pages say the same, e.g. https://www.alibabacloud.com/help/en/oss/developer-reference/upload-part
// for UploadPart and https://www.alibabacloud.com/help/doc-detail/31850.htm: "To complete a multipart
// upload task, the oss:PutObject permission is required").
func ossAction(op string) string {
	switch op {
	case opPutObject, opPostObject, opInitiateMultipartUpload, opUploadPart, opCompleteMultipartUpload:
		return "oss:PutObject"
	case opAbortMultipartUpload:
		return "oss:AbortMultipartUpload"
	case opListParts:
		return "oss:ListParts"
	case opGetObject, opHeadObject:
		return "oss:GetObject"
	case opDeleteObject:
		return "oss:DeleteObject"
	}
	return "oss:" + op
}

// route finds the bucket and key: the bound bucket for a custom domain (Options.Cnames),
// virtual-host style when the Host is <bucket>.<anything> for a served bucket, path style
// (/<bucket>/<key>) otherwise. ok is false for a service-level request.
func (s *Server) route(r *http.Request) (bucket, key string, ok bool) {
	path := strings.TrimPrefix(r.URL.Path, "/")
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if b := s.cnames[strings.ToLower(host)]; b != "" {
		return b, path, true
	}
	if b := s.virtualHostBucket(r.Host); b != "" {
		return b, path, true
	}
	bucket, key, _ = strings.Cut(path, "/")
	return bucket, key, bucket != ""
}

func (s *Server) virtualHostBucket(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if net.ParseIP(host) != nil {
		return ""
	}
	label, rest, found := strings.Cut(host, ".")
	if found && rest != "" && s.buckets[label] {
		return label
	}
	return ""
}

// Operation names, as OSS names its APIs.
const (
	opPutObject               = "PutObject"
	opGetObject               = "GetObject"
	opHeadObject              = "HeadObject"
	opDeleteObject            = "DeleteObject"
	opPostObject              = "PostObject"
	opInitiateMultipartUpload = "InitiateMultipartUpload"
	opUploadPart              = "UploadPart"
	opCompleteMultipartUpload = "CompleteMultipartUpload"
	opAbortMultipartUpload    = "AbortMultipartUpload"
	opListParts               = "ListParts"
)

// unsupportedSubResources are object sub-resources this server does not implement.
var unsupportedSubResources = []string{"acl", "tagging", "symlink", "append", "restore", "objectMeta",
	"x-oss-process", "x-oss-async-process", "delete", "position", "versions", "cors", "select"}

// classify names the operation a request asks for.
func classify(method, key string, q url.Values, h http.Header) (string, *Error) {
	if key == "" {
		if method == http.MethodPost {
			return opPostObject, nil
		}
		return method + "Bucket", newError(http.StatusMethodNotAllowed, CodeMethodNotAllowed,
			"The specified method is not allowed against this resource.",
			ErrorField{"Method", method}, ErrorField{"ResourceType", "Bucket"})
	}
	for _, sub := range unsupportedSubResources {
		if q.Has(sub) {
			return sub, newError(http.StatusNotImplemented, CodeNotImplemented, "The sub-resource "+sub+" is not implemented by the local OSS.")
		}
	}
	notAllowed := newError(http.StatusMethodNotAllowed, CodeMethodNotAllowed, "The specified method is not allowed against this resource.",
		ErrorField{"Method", method}, ErrorField{"ResourceType", "Object"})
	switch method {
	case http.MethodPut:
		if h.Get("x-oss-copy-source") != "" {
			return "CopyObject", newError(http.StatusNotImplemented, CodeNotImplemented, "CopyObject is not implemented by the local OSS.")
		}
		if q.Has("uploadId") || q.Has("partNumber") {
			return opUploadPart, nil
		}
		return opPutObject, nil
	case http.MethodGet:
		if q.Has("uploadId") {
			return opListParts, nil
		}
		return opGetObject, nil
	case http.MethodHead:
		return opHeadObject, nil
	case http.MethodDelete:
		if q.Has("uploadId") {
			return opAbortMultipartUpload, nil
		}
		return opDeleteObject, nil
	case http.MethodPost:
		switch {
		case q.Has("uploads") && q.Has("uploadId"):
			return "PostObject", errInvalidArgument("uploads and uploadId cannot both be specified.")
		case q.Has("uploads"):
			return opInitiateMultipartUpload, nil
		case q.Has("uploadId"):
			return opCompleteMultipartUpload, nil
		}
	}
	return method + "Object", notAllowed
}

func newRequestID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return strings.ToUpper(hex.EncodeToString(b))
}

// statusRecorder remembers the status and size of a response for the access log.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
	wrote  bool
}

func (r *statusRecorder) WriteHeader(status int) {
	if !r.wrote {
		r.status, r.wrote = status, true
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *statusRecorder) Write(p []byte) (int, error) {
	r.wrote = true
	n, err := r.ResponseWriter.Write(p)
	r.bytes += int64(n)
	return n, err
}

// removeQuietly deletes a file, ignoring errors (used for temporary files).
func removeQuietly(path string) { _ = os.Remove(path) }
