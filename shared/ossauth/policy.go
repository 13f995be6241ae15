package ossauth

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Condition is one condition of a PostObject policy. It is built only by the constructors below and
// marshalled by encoding/json, so a value can never add a condition of its own.
type Condition struct {
	kind   string // "exact", "eq", "starts-with", "in", "not-in", "content-length-range"
	field  string
	value  string
	values []string
	min    int64
	max    int64
}

// Exact is {"field":"value"}: the form field must equal value.
func Exact(field, value string) Condition {
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

// NotIn is ["not-in","$field",[values...]]: the form field must be none of values.
func NotIn(field string, values ...string) Condition {
	return Condition{kind: "not-in", field: field, values: append([]string(nil), values...)}
}

// ContentLengthRange is ["content-length-range",min,max]: the file must be min..max bytes.
func ContentLengthRange(min, max int64) Condition {
	return Condition{kind: "content-length-range", min: min, max: max}
}

// MarshalJSON encodes the condition in the policy's array or object form.
func (c Condition) MarshalJSON() ([]byte, error) {
	switch c.kind {
	case "exact":
		return marshal(map[string]string{c.field: c.value})
	case "eq", "starts-with":
		return marshal([]string{c.kind, "$" + c.field, c.value})
	case "in", "not-in":
		vs := c.values
		if vs == nil {
			vs = []string{}
		}
		return marshal([]any{c.kind, "$" + c.field, vs})
	case "content-length-range":
		return marshal([]any{c.kind, c.min, c.max})
	}
	return nil, fmt.Errorf("ossauth: empty policy condition")
}

// marshal encodes v as JSON without HTML escaping (OSS reads the JSON, not a browser).
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// Policy is a PostObject policy document.
type Policy struct {
	// Expiration is when the policy stops authorising uploads. Required.
	Expiration time.Time
	// Conditions every upload must satisfy.
	Conditions []Condition
}

// PolicyTimeFormat is the layout of a policy's expiration (ISO 8601 UTC with milliseconds).
const PolicyTimeFormat = "2006-01-02T15:04:05.000Z"

// MarshalJSON encodes {"expiration":"…","conditions":[…]}.
func (p Policy) MarshalJSON() ([]byte, error) {
	conds := p.Conditions
	if conds == nil {
		conds = []Condition{}
	}
	return marshal(struct {
		Expiration string      `json:"expiration"`
		Conditions []Condition `json:"conditions"`
	}{p.Expiration.UTC().Format(PolicyTimeFormat), conds})
}

// PostPolicyV4 is what a browser form needs to upload with a V4-signed policy: each field is sent
// under the form field name in its comment, before the file.
type PostPolicyV4 struct {
	Policy           string // "policy": base64 of the policy JSON; also the string that was signed
	SignatureVersion string // "x-oss-signature-version": always OSS4-HMAC-SHA256
	Credential       string // "x-oss-credential": <AccessKeyId>/<yyyymmdd>/<region>/oss/aliyun_v4_request
	Date             string // "x-oss-date": signing time, yyyymmddTHHMMSSZ
	Signature        string // "x-oss-signature": hex HMAC-SHA256 of Policy under the V4 signing key
	SecurityToken    string // "x-oss-security-token": present with temporary credentials
	JSON             []byte // the policy document as signed (for tests and debugging; never log it)
}

// ErrPolicyExpiration is returned for an expiration that is not in (now, now+7 days].
var ErrPolicyExpiration = errors.New("ossauth: policy expiration must be after now and at most 7 days ahead")

// SignPostPolicyV4 signs p for a PostObject to bucket in region at time now. It adds the conditions
// OSS requires of a V4 policy (bucket, x-oss-signature-version, x-oss-credential, x-oss-date and, for
// temporary credentials, x-oss-security-token) in front of p.Conditions. The result authorises
// uploads that satisfy every condition until p.Expiration (and while the credentials live).
func SignPostPolicyV4(creds Credentials, bucket, region string, p Policy, now time.Time) (PostPolicyV4, error) {
	if !creds.Valid() {
		return PostPolicyV4{}, ErrNoCredential
	}
	if region == "" {
		return PostPolicyV4{}, ErrNoRegion
	}
	if !p.Expiration.After(now) || p.Expiration.Sub(now) > MaxPresignExpiry {
		return PostPolicyV4{}, ErrPolicyExpiration
	}
	out := PostPolicyV4{
		SignatureVersion: AlgorithmV4,
		Credential:       Credential(creds.AccessKeyID, now, region),
		Date:             now.UTC().Format(DateFormatV4),
		SecurityToken:    creds.SecurityToken,
	}
	conds := []Condition{
		Exact("bucket", bucket),
		Exact("x-oss-signature-version", out.SignatureVersion),
		Exact("x-oss-credential", out.Credential),
		Exact("x-oss-date", out.Date),
	}
	if creds.SecurityToken != "" {
		conds = append(conds, Exact("x-oss-security-token", creds.SecurityToken))
	}
	signed := Policy{Expiration: p.Expiration, Conditions: append(conds, p.Conditions...)}
	doc, err := signed.MarshalJSON()
	if err != nil {
		return PostPolicyV4{}, err
	}
	out.JSON = doc
	out.Policy = base64.StdEncoding.EncodeToString(doc)
	out.Signature = SignWithKey(SigningKey(creds.AccessKeySecret, now, region), out.Policy)
	return out, nil
}
