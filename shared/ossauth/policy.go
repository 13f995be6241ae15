package ossauth

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// Condition is one condition of a PostObject policy. It is built only by the constructors below and
// written by policyJSON, which quotes every value with encoding/json, so a value can never add a
// condition of its own.
type Condition struct {
	kind   string // "exact", "eq", "starts-with", "in", "content-length-range"
	field  string
	value  string
	values []string
	min    int64
	max    int64
}

// exact is {"field":"value"}: the form field must equal value. OSS requires this form for the
// conditions a V4 policy starts with.
func exact(field, value string) Condition {
	return Condition{kind: "exact", field: field, value: value}
}

// Eq is ["eq","$field","value"]: the form field must equal value.
func Eq(field, value string) Condition { return Condition{kind: "eq", field: field, value: value} }

// StartsWith is ["starts-with","$field","prefix"]: the form field must start with prefix.
func StartsWith(field, prefix string) Condition {
	return Condition{kind: "starts-with", field: field, value: prefix}
}

// In is ["in","$field",[values...]]: the form field must be one of values.
func In(field string, values ...string) Condition {
	return Condition{kind: "in", field: field, values: append([]string(nil), values...)}
}

// ContentLengthRange is ["content-length-range",min,max]: the file must be min..max bytes.
func ContentLengthRange(min, max int64) Condition {
	return Condition{kind: "content-length-range", min: min, max: max}
}

// policyTimeFormat is the layout of a policy's expiration (ISO 8601 UTC with milliseconds).
const policyTimeFormat = "2006-01-02T15:04:05.000Z"

// policyJSON encodes {"expiration":"…","conditions":[…]} with the conditions lead in front of
// conds. Every string in it, user input included, is a JSON string written by encoding/json, so
// none can add or change a condition; only the brackets and commas around them are written here
// (encoding/json over a []any of maps and arrays cost twice as much, in allocations); a string
// encoding/json would write unchanged is written directly.
func policyJSON(expiration time.Time, lead, conds []Condition) ([]byte, error) {
	var b bytes.Buffer
	b.Grow(256 + 64*(len(lead)+len(conds)))
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // as JSON.stringify in browsers and ali-oss: OSS reads JSON, not HTML
	str := func(s string) {
		if plainJSON(s) { // what encoding/json writes for it, without its reflection
			b.WriteByte('"')
			b.WriteString(s)
			b.WriteByte('"')
			return
		}
		enc.Encode(s) // a string always encodes; Encode ends it with a newline
		b.Truncate(b.Len() - 1)
	}
	b.WriteString(`{"expiration":`)
	str(expiration.UTC().Format(policyTimeFormat))
	b.WriteString(`,"conditions":[`)
	for i, c := range slices.Concat(lead, conds) {
		if i > 0 {
			b.WriteByte(',')
		}
		switch c.kind {
		case "exact": // {"field":"value"}
			b.WriteByte('{')
			str(c.field)
			b.WriteByte(':')
			str(c.value)
			b.WriteByte('}')
		case "eq", "starts-with": // ["eq","$field","value"]
			b.WriteString(`["` + c.kind + `",`)
			str("$" + c.field)
			b.WriteByte(',')
			str(c.value)
			b.WriteByte(']')
		case "in": // ["in","$field",["a","b"]]
			b.WriteString(`["in",`)
			str("$" + c.field)
			b.WriteString(",[")
			for j, v := range c.values {
				if j > 0 {
					b.WriteByte(',')
				}
				str(v)
			}
			b.WriteString("]]")
		case "content-length-range": // ["content-length-range",min,max]
			b.WriteString(`["content-length-range",` + strconv.FormatInt(c.min, 10) + "," + strconv.FormatInt(c.max, 10) + "]")
		default:
			return nil, fmt.Errorf("ossauth: empty policy condition")
		}
	}
	b.WriteString("]}")
	return b.Bytes(), nil
}

// plainJSON reports whether s is printable ASCII without '"' or '\\': encoding/json (HTML
// escaping off) writes such a string as is, between quotes.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// PostPolicyV4Options is what a V4 PostObject policy authorises.
type PostPolicyV4Options struct {
	// Bucket is the bucket uploads go to. Required.
	Bucket string
	// Region is the bucket's region ("cn-hangzhou"; "oss-cn-hangzhou" is accepted). Required.
	Region string
	// Expiration is when the policy stops authorising uploads: after now, at most 7 days later.
	// Required.
	Expiration time.Time
	// Conditions every upload must satisfy, besides the ones SignPostPolicyV4 adds. Optional, but
	// a policy without a key condition lets the form name any object.
	Conditions []Condition
	// Fields are the form fields that satisfy Conditions (key, Content-Type...), returned by
	// PostPolicyV4.Fields beside the signature's. Optional.
	Fields map[string]string
}

// PostPolicyV4 is what a browser form needs to upload with a V4-signed policy: each field is sent
// under the form field name in its comment, before the file; Fields lists them all by name.
type PostPolicyV4 struct {
	Policy           string // "policy": base64 of the policy JSON; also the string that was signed
	SignatureVersion string // "x-oss-signature-version": always OSS4-HMAC-SHA256
	Credential       string // "x-oss-credential": <AccessKeyId>/<yyyymmdd>/<region>/oss/aliyun_v4_request
	Date             string // "x-oss-date": signing time, yyyymmddTHHMMSSZ
	Signature        string // "x-oss-signature": hex HMAC-SHA256 of Policy under the V4 signing key
	SecurityToken    string // "x-oss-security-token": present with temporary credentials

	fields map[string]string // PostPolicyV4Options.Fields
}

// Fields returns every form field a browser sends before the file, by name: the options' Fields
// and the signed policy's (as cloud.google.com/go/storage's PostPolicyV4.Fields). The map is new
// on each call.
func (p PostPolicyV4) Fields() map[string]string {
	f := make(map[string]string, len(p.fields)+6)
	for k, v := range p.fields {
		f[k] = v
	}
	f["policy"] = p.Policy
	f["x-oss-signature-version"] = p.SignatureVersion
	f["x-oss-credential"] = p.Credential
	f["x-oss-date"] = p.Date
	f["x-oss-signature"] = p.Signature
	if p.SecurityToken != "" {
		f["x-oss-security-token"] = p.SecurityToken
	}
	return f
}

// errPolicyExpiration is returned for an expiration that is not in (now, now+7 days].
var errPolicyExpiration = errors.New("ossauth: policy expiration must be after now and at most 7 days ahead")

// SignPostPolicyV4 signs a PostObject policy at time now. It adds the conditions OSS requires of a
// V4 policy (bucket, x-oss-signature-version, x-oss-credential, x-oss-date and, for temporary
// credentials, x-oss-security-token) in front of opts.Conditions
// (https://help.aliyun.com/en/oss/developer-reference/signature-version-4-recommend). The result
// authorises uploads to opts.Bucket that satisfy every condition until opts.Expiration (and while
// the credentials live).
func (s *Signer) SignPostPolicyV4(creds Credentials, opts PostPolicyV4Options, now time.Time) (PostPolicyV4, error) {
	if !creds.Valid() {
		return PostPolicyV4{}, errNoCredential
	}
	if opts.Region == "" {
		return PostPolicyV4{}, errNoRegion
	}
	if !opts.Expiration.After(now) || opts.Expiration.Sub(now) > MaxPresignExpiry {
		return PostPolicyV4{}, errPolicyExpiration
	}
	out := PostPolicyV4{
		SignatureVersion: algorithmV4,
		Credential:       creds.AccessKeyID + "/" + scope(now, opts.Region),
		Date:             now.UTC().Format(dateFormatV4),
		SecurityToken:    creds.SecurityToken,
		fields:           opts.Fields,
	}
	lead := []Condition{
		exact("bucket", opts.Bucket),
		exact("x-oss-signature-version", out.SignatureVersion),
		exact("x-oss-credential", out.Credential),
		exact("x-oss-date", out.Date),
	}
	if creds.SecurityToken != "" {
		lead = append(lead, exact("x-oss-security-token", creds.SecurityToken))
	}
	doc, err := policyJSON(opts.Expiration, lead, opts.Conditions)
	if err != nil {
		return PostPolicyV4{}, err
	}
	encoded := make([]byte, base64.StdEncoding.EncodedLen(len(doc)), base64.StdEncoding.EncodedLen(len(doc))+sha256.Size)
	base64.StdEncoding.Encode(encoded, doc)
	sum := s.signingKey(creds, now, opts.Region).sign(encoded[len(encoded):], encoded)
	out.Policy, out.Signature = string(encoded), hex.EncodeToString(sum)
	return out, nil
}
