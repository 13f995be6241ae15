package ossauth

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// subResourcesV1 are the query parameters that V1 signatures cover (besides any x-oss-* one).
var subResourcesV1 = map[string]bool{
	"acl": true, "bucketInfo": true, "location": true, "stat": true, "delete": true, "append": true,
	"tagging": true, "objectMeta": true, "uploads": true, "uploadId": true, "partNumber": true,
	"security-token": true, "position": true, "response-content-type": true,
	"response-content-language": true, "response-expires": true, "response-cache-control": true,
	"response-content-disposition": true, "response-content-encoding": true, "restore": true,
	"callback": true, "callback-var": true, "versions": true, "versioning": true, "versionId": true,
	"sequential": true, "continuation-token": true, "regionList": true, "cloudboxes": true,
	"symlink": true, "x-oss-process": true, "policy": true, "cors": true, "lifecycle": true,
	"website": true, "referer": true, "logging": true, "qos": true, "img": true, "style": true,
}

// StringToSignV1 returns the V1 string to sign of r. date is the Date header (header auth) or the
// Expires value in Unix seconds (presigned URL). extraSubResources names query parameters to sign
// beyond OSS's list (for example "resourceGroup").
func StringToSignV1(r *Request, date string, extraSubResources ...string) string {
	return string(appendStringToSignV1(nil, r, date, extraSubResources))
}

func appendStringToSignV1(b []byte, r *Request, date string, extraSubResources []string) []byte {
	md5, ctype := r.Header.Get("Content-MD5"), r.Header.Get("Content-Type")
	size := len(r.Method) + len(md5) + len(ctype) + len(date) + len(r.Bucket) + len(r.Key) + 8
	var hsArr [8]signedHeader
	hs := hsArr[:0]
	for k, vs := range r.Header {
		k = foldName(k)
		if hasPrefixLower(k, "x-oss-") {
			v := joinValues(vs)
			hs = append(hs, signedHeader{k, v})
			size += len(k) + len(v) + 2
		}
	}
	sortHeaders(hs)
	var keysArr [8]string
	keys := keysArr[:0]
	for k, vs := range r.Query {
		if subResourcesV1[k] || slices.Contains(extraSubResources, k) || strings.HasPrefix(k, "x-oss-") {
			keys = append(keys, k)
			size += len(k) + 2
			if len(vs) > 0 {
				size += len(vs[0])
			}
		}
	}
	slices.Sort(keys)
	if b == nil {
		b = make([]byte, 0, size)
	}

	b = append(b, r.Method...)
	b = append(b, '\n')
	b = append(b, md5...)
	b = append(b, '\n')
	b = append(b, ctype...)
	b = append(b, '\n')
	b = append(b, date...)
	b = append(b, '\n')
	for _, h := range hs {
		b = appendLower(b, h.name)
		b = append(b, ':')
		b = append(b, h.value...)
		b = append(b, '\n')
	}
	b = append(b, '/')
	if r.Bucket != "" {
		b = append(b, r.Bucket...)
		b = append(b, '/')
		b = append(b, r.Key...)
	}
	for i, k := range keys {
		if i == 0 {
			b = append(b, '?')
		} else {
			b = append(b, '&')
		}
		b = append(b, k...)
		if v := r.Query.Get(k); v != "" {
			b = append(b, '=')
			b = append(b, v...)
		}
	}
	return b
}

// SignV1 returns base64(HMAC-SHA1(secret, stringToSign)), the V1 signature of a request or the
// V1 signature of a POST policy (whose string to sign is the base64 policy itself).
func SignV1(secret, stringToSign string) string {
	var sig [28]byte
	return string(appendSignatureV1(sig[:0], secret, []byte(stringToSign)))
}

func appendSignatureV1(b []byte, secret string, stringToSign []byte) []byte {
	h := hmac.New(sha1.New, []byte(secret))
	h.Write(stringToSign)
	var sum [sha1.Size]byte
	return base64.StdEncoding.AppendEncode(b, h.Sum(sum[:0]))
}

// AuthorizeV1 signs r for header authorization at time now: it sets the Date header (and
// x-oss-security-token for temporary credentials) and returns the Authorization header value.
func AuthorizeV1(creds Credentials, r *Request, now time.Time, extraSubResources ...string) string {
	if r.Header == nil {
		r.Header = http.Header{}
	}
	date := now.UTC().Format(http.TimeFormat)
	r.Header.Set("Date", date)
	if creds.SecurityToken != "" {
		r.Header.Set("x-oss-security-token", creds.SecurityToken)
	}
	b := make([]byte, 0, 4+len(creds.AccessKeyID)+1+28)
	b = append(b, "OSS "...)
	b = append(b, creds.AccessKeyID...)
	b = append(b, ':')
	return string(appendSignatureV1(b, creds.AccessKeySecret, appendStringToSignV1(nil, r, date, extraSubResources)))
}

// PresignV1 returns the query of a V1 presigned URL for r that expires at the given time: r.Query
// plus OSSAccessKeyId, Expires, security-token (temporary credentials) and Signature.
func PresignV1(creds Credentials, r *Request, expires time.Time) (url.Values, error) {
	if !creds.Valid() {
		return nil, ErrNoCredential
	}
	const added = 4
	q := make(url.Values, len(r.Query)+added)
	for k, v := range r.Query {
		q[k] = append([]string(nil), v...)
	}
	vals := make([]string, 0, added) // see presignV4
	set := func(k, v string) {
		vals = append(vals, v)
		q[k] = vals[len(vals)-1 : len(vals) : len(vals)]
	}
	if creds.SecurityToken != "" {
		set("security-token", creds.SecurityToken)
	}
	var buf [32]byte
	exp := string(strconv.AppendInt(buf[:0], expires.Unix(), 10))
	signed := *r
	signed.Query = q
	sig := string(appendSignatureV1(buf[:0], creds.AccessKeySecret, appendStringToSignV1(nil, &signed, exp, nil)))
	set("OSSAccessKeyId", creds.AccessKeyID)
	set("Expires", exp)
	set("Signature", sig)
	return q, nil
}
