package upload

import (
	"strings"
	"time"
)

// CheckIssuedKey reports whether key is one that ObjectKey could have issued under dir: dir, a
// valid "yyyy/mm/dd/" date, 32 lower-case hex characters and an optional safe extension. A client
// sends back a key it was given (to sign a part, list, complete or abort a multipart upload); this
// check, with dir being the caller's own prefix, keeps it to keys of this function's format under
// that prefix. It needs no secret: only this function initiates multipart uploads under the
// prefix (clients hold no credentials), and OSS binds each upload ID to its key, so a key of the
// right form under the caller's prefix with a live upload ID is one this function issued to it.
func CheckIssuedKey(dir, key string) error {
	rest, ok := strings.CutPrefix(key, dir)
	if !ok || dir == "" {
		return Errorf(CodePermissionDenied, "key %q is not under your upload prefix %s", key, dir)
	}
	bad := Errorf(CodeInvalidArgument, "key %q is not a key this service issued (%syyyy/mm/dd/<32 hex>[.ext])", key, dir)
	if len(rest) < len("2006/01/02/")+32 {
		return bad
	}
	if _, err := time.Parse("2006/01/02/", rest[:11]); err != nil {
		return bad
	}
	id, ext := rest[11:43], rest[43:]
	for _, c := range id {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return bad
		}
	}
	if ext != "" && Extension("x"+ext) != ext {
		return bad
	}
	return nil
}
