package upload

import (
	"encoding/hex"
	"fmt"
	"mime"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits on client input.
const (
	// MaxKeyBytes is OSS's limit on an object key.
	MaxKeyBytes = 1023
	// maxFilenameBytes bounds the filename a client may send.
	maxFilenameBytes = 255
	// maxContentTypeBytes bounds the content type a client may send.
	maxContentTypeBytes = 255
	// maxExtensionBytes bounds the extension kept from a filename (".tar.gz" keeps ".gz").
	maxExtensionBytes = 16
	// MaxObjectBytes is OSS's limit on an object uploaded in one request (PutObject, PostObject).
	MaxObjectBytes = 5 << 30
)

// Rules is what the deployment allows. Build it once from configuration.
type Rules struct {
	// Bucket is the bucket uploads go to. Required.
	Bucket string
	// Dir is the key prefix every upload lives under, ending in "/" (e.g. "uploads/"). Required.
	Dir string
	// MaxSize is the largest object in bytes that a POST policy or presigned URL allows; 0 means
	// OSS's own limit (MaxObjectBytes) and lets presigned URLs leave the size unsigned.
	MaxSize int64
	// AllowedTypes lists the allowed media types ("image/png"); empty allows any.
	AllowedTypes []string
	// DefaultContentType is signed when the client names no type and the filename implies none.
	DefaultContentType string
	// Expires is how long a POST policy or presigned URL stays valid.
	Expires time.Duration
	// ForbidOverwrite makes POST policies and presigned URLs refuse to replace an existing object.
	ForbidOverwrite bool
	// AllowActiveContent lets types a browser may execute (HTML, SVG, JavaScript, XML...) be stored
	// without a signed Content-Disposition: attachment; see Disposition.
	AllowActiveContent bool
	// CallbackURL is where OSS posts a callback after each upload (OSS_CALLBACK_URL); "" for none.
	CallbackURL string
}

// sizeLimit returns the largest object an authorization may allow: MaxSize, or OSS's limit.
func (r Rules) sizeLimit() int64 {
	if r.MaxSize > 0 {
		return r.MaxSize
	}
	return MaxObjectBytes
}

// Intent is what a client asks to upload. Every field is optional.
type Intent struct {
	Filename    string // original file name; only its extension is kept in the key
	ContentType string // media type the client will send
	Size        int64  // exact size in bytes, or -1 when unknown
}

// CheckIntent validates client input: filename and content type syntax and length, size limits.
func (r Rules) CheckIntent(in Intent) error {
	if len(in.Filename) > maxFilenameBytes {
		return Errorf(CodeInvalidArgument, "filename is %d bytes; at most %d are allowed", len(in.Filename), maxFilenameBytes)
	}
	if err := checkText("filename", in.Filename); err != nil {
		return err
	}
	if strings.ContainsRune(in.Filename, '\\') {
		return Errorf(CodeInvalidArgument, "filename must not contain a backslash")
	}
	if len(in.ContentType) > maxContentTypeBytes {
		return Errorf(CodeInvalidArgument, "contentType is %d bytes; at most %d are allowed", len(in.ContentType), maxContentTypeBytes)
	}
	if in.Size < -1 {
		return Errorf(CodeInvalidArgument, "size must be a non-negative number of bytes")
	}
	if r.MaxSize > 0 && in.Size > r.MaxSize {
		return Errorf(CodePayloadTooLarge, "file is %d bytes; the limit is %d bytes", in.Size, r.MaxSize)
	}
	return nil
}

func checkText(field, s string) error {
	if !utf8.ValidString(s) {
		return Errorf(CodeInvalidArgument, "%s is not valid UTF-8", field)
	}
	for _, c := range s {
		if unicode.IsControl(c) {
			return Errorf(CodeInvalidArgument, "%s must not contain control characters", field)
		}
	}
	return nil
}

// ContentType returns the media type to sign for in: the client's type if given, else the type
// implied by the filename's extension, else DefaultContentType (which may be empty: no type signed).
// It fails when the result is not an allowed type.
func (r Rules) ContentType(in Intent) (string, error) {
	ct := strings.TrimSpace(in.ContentType)
	if ct != "" {
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil || !strings.Contains(mt, "/") {
			return "", Errorf(CodeInvalidArgument, "contentType %q is not a media type like image/png", ct)
		}
		ct = mime.FormatMediaType(mt, params)
	} else if ext := extension(in.Filename); ext != "" {
		// Parameters are dropped: a browser sends File.type ("text/plain"), never "; charset=utf-8".
		ct, _, _ = strings.Cut(mime.TypeByExtension(ext), ";")
	}
	if ct == "" {
		ct = r.DefaultContentType
	}
	if len(r.AllowedTypes) > 0 && !r.typeAllowed(ct) {
		if ct == "" {
			return "", Errorf(CodeUnsupportedMediaType, "name a contentType; allowed types are %s", strings.Join(r.AllowedTypes, ", "))
		}
		return "", Errorf(CodeUnsupportedMediaType, "content type %s is not allowed; allowed types are %s", ct, strings.Join(r.AllowedTypes, ", "))
	}
	return ct, nil
}

// typeAllowed reports whether the media type of ct (parameters ignored) is allowed.
func (r Rules) typeAllowed(ct string) bool {
	if len(r.AllowedTypes) == 0 {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	for _, a := range r.AllowedTypes {
		if strings.EqualFold(a, mt) {
			return true
		}
	}
	return false
}

// extension returns the lower-case extension of a filename (".png") if it is short and made of
// ASCII letters and digits only; otherwise "".
func extension(filename string) string {
	base := filename
	if i := strings.LastIndexAny(base, `/\`); i >= 0 {
		base = base[i+1:]
	}
	ext := strings.ToLower(path.Ext(base))
	if len(ext) < 2 || len(ext) > maxExtensionBytes || ext == base {
		return ""
	}
	for _, c := range ext[1:] {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			return ""
		}
	}
	return ext
}

// ObjectKey derives the key of a new object under dir: dir + "yyyy/mm/dd/" + 32 hex characters of
// id (16 random bytes from the caller) + the filename's safe extension. The client's name never
// reaches the key beyond that extension, so no path, dot segment or odd character can.
func ObjectKey(dir string, in Intent, id [16]byte, now time.Time) string {
	return dir + now.UTC().Format("2006/01/02/") + hex.EncodeToString(id[:]) + extension(in.Filename)
}

// CheckDir validates an upload prefix: non-empty, ends in "/", relative, no "." or ".." or empty
// segments, no backslash or control characters, and short enough to leave room for keys.
func CheckDir(dir string) error {
	switch {
	case dir == "" || !strings.HasSuffix(dir, "/"):
		return fmt.Errorf("prefix %q must be non-empty and end with /", dir)
	case strings.HasPrefix(dir, "/"):
		return fmt.Errorf("prefix %q must not start with /", dir)
	case strings.ContainsRune(dir, '\\'):
		return fmt.Errorf("prefix %q must not contain \\", dir)
	case len(dir) > MaxKeyBytes-128:
		return fmt.Errorf("prefix is %d bytes; at most %d leave room for object names", len(dir), MaxKeyBytes-128)
	}
	if err := checkText("prefix", dir); err != nil {
		return err
	}
	if err := CheckResource("prefix", dir); err != nil {
		return err
	}
	for _, seg := range strings.Split(strings.TrimSuffix(dir, "/"), "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("prefix %q must not contain empty, . or .. segments", dir)
		}
	}
	return nil
}

// ParseSize reads a size a client sends: "" is unknown (-1), else a whole number of bytes.
func ParseSize(s string) (int64, error) {
	if s == "" {
		return -1, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return -1, Errorf(CodeInvalidArgument, "size %q must be a whole number of bytes", s)
	}
	return n, nil
}
