package ossauth

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Condition is one condition of a PostObject policy. It is built only by the constructors below and
// marshalled by encoding/json, so a value can never add a condition of its own.
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

// jsonValue returns the typed value whose encoding/json encoding is the condition.
func (c Condition) jsonValue() (any, error) {
	switch c.kind {
	case "exact":
		return map[string]string{c.field: c.value}, nil
	case "eq", "starts-with":
		return [3]string{c.kind, "$" + c.field, c.value}, nil
	case "in":
		vs := c.values
		if vs == nil {
			vs = []string{}
		}
		return [3]any{c.kind, "$" + c.field, vs}, nil
	case "content-length-range":
		return [3]any{c.kind, c.min, c.max}, nil
	}
	return nil, fmt.Errorf("ossauth: empty policy condition")
}

// policyTimeFormat is the layout of a policy's expiration (ISO 8601 UTC with milliseconds).
const policyTimeFormat = "2006-01-02T15:04:05.000Z"

// policyJSON encodes {"expiration":"…","conditions":[…]} with the conditions lead in front of
// conds, in one pass of encoding/json over typed values: every string in it, user input included,
// is a JSON string written by encoding/json, so none can add or change a condition.
func policyJSON(expiration time.Time, lead, conds []Condition) ([]byte, error) {
	doc := struct {
		Expiration string `json:"expiration"`
		Conditions []any  `json:"conditions"`
	}{
		Expiration: expiration.UTC().Format(policyTimeFormat),
		Conditions: make([]any, 0, len(lead)+len(conds)),
	}
	for _, list := range [2][]Condition{lead, conds} {
		for _, c := range list {
			v, err := c.jsonValue()
			if err != nil {
				return nil, err
			}
			doc.Conditions = append(doc.Conditions, v)
		}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // as JSON.stringify in browsers and ali-oss: OSS reads JSON, not HTML
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
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
