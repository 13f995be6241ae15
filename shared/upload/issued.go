package upload

import (
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// MultipartKey derives the key of a new multipart upload of a file of size bytes: ObjectKey's form
// with the size after the random part, dir + "yyyy/mm/dd/" + 32 hex + "-" + size + ext
// ("uploads/2026/11/29/00112233445566778899aabbccddeeff-16789012.mp4"). The key carries the size
// so that every later call on the upload (sign a part, complete) knows it without state: OSS binds
// the upload ID to the key it was initiated for, so a client that edits the size in the key names
// an upload that does not exist (see CheckIssuedKey).
func MultipartKey(dir string, in Intent, id [16]byte, now time.Time, size int64) string {
	return dir + now.UTC().Format("2006/01/02/") + hex.EncodeToString(id[:]) + "-" + strconv.FormatInt(size, 10) + extension(in.Filename)
}

// maxSizeDigits bounds the size in a key: 15 digits is over OSS's 48.8 TB object limit.
const maxSizeDigits = 15

// CheckIssuedKey reports whether key is one that ObjectKey or MultipartKey could have issued under
// dir: dir, a valid "yyyy/mm/dd/" date, 32 lower-case hex characters, for MultipartKey "-" and the
// size in canonical decimal, and an optional safe extension. It returns the size a MultipartKey
// carries, or -1 for an ObjectKey.
//
// A client sends back a key it was given (to sign a part, list, complete or abort a multipart
// upload); this check, with dir being the caller's own prefix, keeps it to keys of this function's
// format under that prefix. It needs no secret: OSS binds each upload ID to its key (UploadPart,
// ListParts, CompleteMultipartUpload and AbortMultipartUpload name the upload by object name and
// upload ID, https://help.aliyun.com/en/oss/developer-reference/upload-part; an upload ID that has
// no upload for that name is NoSuchUpload, https://help.aliyun.com/en/oss/user-guide/0017-00000244),
// so a key of the right form under the caller's prefix with a live upload ID names an upload
// started for that key, size included. Only this function and holders of the sts function's
// credentials (which may already write any object under the prefix) can start one there; either
// way the part URLs and complete hold the upload to the size the key carries.
func CheckIssuedKey(dir, key string) (size int64, err error) {
	rest, ok := strings.CutPrefix(key, dir)
	if !ok || dir == "" {
		return -1, Errorf(CodePermissionDenied, "key %q is not under your upload prefix %s", key, dir)
	}
	bad := Errorf(CodeInvalidArgument, "key %q is not a key this service issued (%syyyy/mm/dd/<32 hex>[-<size>][.ext])", key, dir)
	if len(rest) < len("2006/01/02/")+32 {
		return -1, bad
	}
	if _, err := time.Parse("2006/01/02/", rest[:11]); err != nil {
		return -1, bad
	}
	id, ext := rest[11:43], rest[43:]
	for _, c := range id {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return -1, bad
		}
	}
	size = -1
	if digits, ok := strings.CutPrefix(ext, "-"); ok {
		end := strings.IndexByte(digits, '.')
		if end < 0 {
			end = len(digits)
		}
		digits, ext = digits[:end], digits[end:]
		n, err := strconv.ParseInt(digits, 10, 64)
		// Canonical only: no sign, no leading zero, as MultipartKey writes it.
		if err != nil || n < 0 || len(digits) > maxSizeDigits || strconv.FormatInt(n, 10) != digits {
			return -1, bad
		}
		size = n
	}
	if ext != "" && extension("x"+ext) != ext {
		return -1, bad
	}
	return size, nil
}
