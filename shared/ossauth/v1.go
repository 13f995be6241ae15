package ossauth

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/http"
	"net/url"
	"sort"
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
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(r.Header.Get("Content-MD5"))
	b.WriteByte('\n')
	b.WriteString(r.Header.Get("Content-Type"))
	b.WriteByte('\n')
	b.WriteString(date)
	b.WriteByte('\n')

	type kv struct{ k, v string }
	var hs []kv
	for k, vs := range r.Header {
		lk := strings.ToLower(k)
		if strings.HasPrefix(lk, "x-oss-") {
			hs = append(hs, kv{lk, strings.TrimSpace(strings.Join(vs, ","))})
		}
	}
	sort.Slice(hs, func(i, j int) bool { return hs[i].k < hs[j].k })
	for _, h := range hs {
		b.WriteString(h.k + ":" + h.v + "\n")
	}

	b.WriteString(r.resource())
	extra := map[string]bool{}
	for _, e := range extraSubResources {
		extra[e] = true
	}
	var keys []string
	for k := range r.Query {
		if subResourcesV1[k] || extra[k] || strings.HasPrefix(k, "x-oss-") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for i, k := range keys {
		if i == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		b.WriteString(k)
		if v := r.Query.Get(k); v != "" {
			b.WriteString("=" + v)
		}
	}
	return b.String()
}

// SignV1 returns base64(HMAC-SHA1(secret, stringToSign)), the V1 signature of a request or the
// V1 signature of a POST policy (whose string to sign is the base64 policy itself).
func SignV1(secret, stringToSign string) string {
	h := hmac.New(sha1.New, []byte(secret))
	h.Write([]byte(stringToSign))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
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
	return "OSS " + creds.AccessKeyID + ":" + SignV1(creds.AccessKeySecret, StringToSignV1(r, date, extraSubResources...))
}

// PresignV1 returns the query of a V1 presigned URL for r that expires at the given time: r.Query
// plus OSSAccessKeyId, Expires, security-token (temporary credentials) and Signature.
func PresignV1(creds Credentials, r *Request, expires time.Time) (url.Values, error) {
	if !creds.Valid() {
		return nil, ErrNoCredential
	}
	q := url.Values{}
	for k, v := range r.Query {
		q[k] = append([]string(nil), v...)
	}
	if creds.SecurityToken != "" {
		q.Set("security-token", creds.SecurityToken)
	}
	exp := strconv.FormatInt(expires.Unix(), 10)
	signed := *r
	signed.Query = q
	sig := SignV1(creds.AccessKeySecret, StringToSignV1(&signed, exp))
	q.Set("OSSAccessKeyId", creds.AccessKeyID)
	q.Set("Expires", exp)
	q.Set("Signature", sig)
	return q, nil
}
