package osscallback

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fc-oss-upload/fc-oss-upload/shared/api"
)

// errBadBody is returned by ParseBody for a body that is not what Body produces.
var errBadBody = errors.New("osscallback: the callback body is not the one this bundle asks for")

// errOutOfScope is returned by Upload.CheckScope for an upload outside the bucket or prefix.
var errOutOfScope = errors.New("osscallback: the upload is outside the configured bucket or prefix")

// Upload is one finished upload, as the callback body describes it.
type Upload struct {
	Bucket      string     `json:"bucket"`
	Key         string     `json:"key"`
	Size        int64      `json:"size"`        // bytes
	ETag        string     `json:"etag"`        // without quotes
	ContentType string     `json:"contentType"` // the object's stored Content-Type
	Image       *api.Image `json:"image"`       // nil unless OSS recognised an image
	User        string     `json:"user"`        // the user segment of the key ("" without per-user auth)
	Filename    string     `json:"filename"`    // the filename the client named (not trusted: for display)
}

// maxFilename bounds the filename kept from the custom variable, in bytes.
const maxFilename = 255

// ParseBody decodes a callback body made from Body (form-encoded, each field at most once).
func ParseBody(body []byte) (Upload, error) {
	var u Upload
	q, err := url.ParseQuery(string(body))
	if err != nil {
		return u, fmt.Errorf("%w: %v", errBadBody, err)
	}
	get := func(name string) (string, error) {
		vs := q[name]
		switch {
		case len(vs) > 1:
			return "", fmt.Errorf("%w: %s appears %d times", errBadBody, name, len(vs))
		case len(vs) == 0:
			return "", nil
		case !utf8.ValidString(vs[0]):
			return "", fmt.Errorf("%w: %s is not UTF-8", errBadBody, name)
		}
		return vs[0], nil
	}
	fields := map[string]*string{"bucket": &u.Bucket, "object": &u.Key, "etag": &u.ETag, "mimeType": &u.ContentType, "user": &u.User, "filename": &u.Filename}
	for name, p := range fields {
		if *p, err = get(name); err != nil {
			return u, err
		}
	}
	if u.Bucket == "" || u.Key == "" {
		return u, fmt.Errorf("%w: bucket and object are required", errBadBody)
	}
	u.ETag = strings.Trim(u.ETag, `"`)
	size, err := get("size")
	if err != nil {
		return u, err
	}
	if u.Size, err = strconv.ParseInt(size, 10, 64); err != nil || u.Size < 0 {
		return u, fmt.Errorf("%w: size %q is not a number of bytes", errBadBody, size)
	}
	if len(u.Filename) > maxFilename {
		u.Filename = strings.ToValidUTF8(u.Filename[:maxFilename], "")
	}
	var dims [2]int
	for i, name := range []string{"width", "height"} {
		s, err := get(name)
		if err != nil {
			return u, err
		}
		if s == "" {
			continue
		}
		if dims[i], err = strconv.Atoi(s); err != nil || dims[i] < 0 {
			return u, fmt.Errorf("%w: %s %q is not a number of pixels", errBadBody, name, s)
		}
	}
	format, err := get("format")
	if err != nil {
		return u, err
	}
	if dims[0] > 0 && dims[1] > 0 {
		u.Image = &api.Image{Width: dims[0], Height: dims[1], Format: format}
	}
	return u, nil
}

// CheckScope checks that the upload lies in bucket under dir and, with perUser, under a user's
// prefix dir<user>/ whose user matches the user variable when one was sent; it then sets u.User to
// the user the key belongs to.
func (u *Upload) CheckScope(bucket, dir string, perUser bool) error {
	if u.Bucket != bucket {
		return fmt.Errorf("%w: bucket %q", errOutOfScope, u.Bucket)
	}
	rest, ok := strings.CutPrefix(u.Key, dir)
	if !ok || rest == "" || len(u.Key) > 1023 {
		return fmt.Errorf("%w: key %q is not under %q", errOutOfScope, u.Key, dir)
	}
	for _, seg := range strings.Split(rest, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("%w: key %q has an empty or dot segment", errOutOfScope, u.Key)
		}
	}
	if !perUser {
		return nil
	}
	user, _, ok := strings.Cut(rest, "/")
	if !ok {
		return fmt.Errorf("%w: key %q is not under a user's prefix", errOutOfScope, u.Key)
	}
	if u.User != "" && u.User != user {
		return fmt.Errorf("%w: key %q does not belong to user %q", errOutOfScope, u.Key, u.User)
	}
	u.User = user
	return nil
}

// Answer returns what the client is told of its upload.
func (u Upload) Answer() api.Uploaded {
	return api.Uploaded{Key: u.Key, Size: u.Size, ETag: u.ETag, ContentType: u.ContentType, Image: u.Image}
}

// EventType is the type of the webhook event of a verified upload.
const EventType = "upload.completed"

// Event is the webhook payload, in the shape Standard Webhooks recommends ({type, timestamp, data}).
type Event struct {
	Type      string `json:"type"`
	Timestamp string `json:"timestamp"` // RFC 3339, when the callback was verified
	Data      Upload `json:"data"`
}

// NewEvent returns the event of u, verified at now.
func NewEvent(u Upload, now time.Time) Event {
	return Event{Type: EventType, Timestamp: now.UTC().Format(time.RFC3339), Data: u}
}

// ID returns the webhook-id of the upload: the same for every delivery attempt and every replay
// of the same stored object version (bucket, key, ETag), so receivers can drop duplicates.
func (u Upload) ID() string {
	h := sha256.New()
	for _, s := range []string{u.Bucket, u.Key, u.ETag} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return "msg_" + hex.EncodeToString(h.Sum(nil)[:16])
}
