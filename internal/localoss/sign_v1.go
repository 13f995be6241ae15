package localoss

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// v1SubResources are the query keys that OSS signature V1 puts into the CanonicalizedResource:
// the union of the lists in the OSS Go SDKs v1 and v2. Any key starting with "x-oss-" is signed too.
var v1SubResources = func() map[string]bool {
	m := map[string]bool{}
	for _, k := range strings.Fields(`acl uploads location cors logging website referer lifecycle delete
		append tagging objectMeta uploadId partNumber security-token position img style styleName
		replication replicationProgress replicationLocation cname bucketInfo comp qos live status vod
		startTime endTime symlink x-oss-process response-content-type x-oss-traffic-limit
		response-content-language response-expires response-cache-control response-content-disposition
		response-content-encoding udf udfName udfImage udfId udfImageDesc udfApplication
		udfApplicationLog restore callback callback-var qosInfo policy stat encryption versions
		versioning versionId requestPayment x-oss-request-payer sequential inventory inventoryId
		continuation-token asyncFetch worm wormId wormExtend withHashContext x-oss-enable-md5
		x-oss-enable-sha1 x-oss-enable-sha256 x-oss-hash-ctx x-oss-md5-ctx transferAcceleration
		regionList cloudboxes x-oss-ac-source-ip x-oss-ac-subnet-mask x-oss-ac-vpc-id
		x-oss-ac-forward-allow metaQuery resourceGroup rtc x-oss-async-process responseHeader`) {
		m[k] = true
	}
	return m
}()

// v1CanonicalizedOSSHeaders returns every x-oss-* header as "name:value\n", names lower-cased,
// values trimmed and joined with ",", sorted by name.
func v1CanonicalizedOSSHeaders(h http.Header) string {
	vals := map[string]string{}
	var names []string
	for name, vs := range h {
		lname := strings.ToLower(name)
		if !strings.HasPrefix(lname, "x-oss-") {
			continue
		}
		trimmed := make([]string, len(vs))
		for i, v := range vs {
			trimmed[i] = strings.TrimSpace(v)
		}
		if _, seen := vals[lname]; seen {
			vals[lname] += "," + strings.Join(trimmed, ",")
			continue
		}
		names = append(names, lname)
		vals[lname] = strings.Join(trimmed, ",")
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		b.WriteString(n + ":" + vals[n] + "\n")
	}
	return b.String()
}

// v1CanonicalizedResource returns "/bucket/key" (raw key, not encoded; "/bucket/" without a key,
// "/" without a bucket) followed by the signed sub-resources of query, sorted, with decoded values.
// extra names additional query keys to sign (what an SDK caller may declare, e.g. resourceGroup).
func v1CanonicalizedResource(bucket, key string, query url.Values, extra ...string) string {
	res := "/"
	if bucket != "" {
		res += bucket + "/" + key
	}
	var keys []string
	for k := range query {
		if v1SubResources[k] || strings.HasPrefix(k, "x-oss-") || contains(extra, k) {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return res
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		for _, v := range query[k] {
			if v == "" {
				parts = append(parts, k)
			} else {
				parts = append(parts, k+"="+v)
			}
		}
	}
	return res + "?" + strings.Join(parts, "&")
}

// v1StringToSign builds VERB\nContent-MD5\nContent-Type\nDate\nCanonicalizedOSSHeaders+Resource.
// date is the Date header for header auth or the Expires value for a presigned URL.
func v1StringToSign(method string, h http.Header, date, resource string) string {
	return method + "\n" + h.Get("Content-MD5") + "\n" + h.Get("Content-Type") + "\n" + date + "\n" +
		v1CanonicalizedOSSHeaders(h) + resource
}

// v1Signature is base64(HMAC-SHA1(secret, data)): the V1 header/URL signature, and the V1
// PostObject signature when data is the policy's base64 text.
func v1Signature(secret, data string) string {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write([]byte(data))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
