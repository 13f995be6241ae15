package ossauth

import (
	"bytes"
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
	v, err := c.jsonValue()
	if err != nil {
		return nil, err
	}
	return marshal(v, 64+len(c.field)+len(c.value))
}

// jsonValue returns the typed value whose encoding/json encoding is the condition.
func (c Condition) jsonValue() (any, error) {
	switch c.kind {
	case "exact":
		switch c.field {
		case "bucket":
			return exactBucket{c.value}, nil
		case "x-oss-signature-version":
			return exactSignatureVersion{c.value}, nil
		case "x-oss-credential":
			return exactCredential{c.value}, nil
		case "x-oss-date":
			return exactDate{c.value}, nil
		case "x-oss-security-token":
			return exactSecurityToken{c.value}, nil
		}
		return map[string]string{c.field: c.value}, nil
	case "eq", "starts-with":
		return [3]string{c.kind, dollar(c.field), c.value}, nil
	case "in", "not-in":
		vs := c.values
		if vs == nil {
			vs = []string{}
		}
		return [3]any{c.kind, dollar(c.field), vs}, nil
	case "content-length-range":
		return [3]any{c.kind, c.min, c.max}, nil
	}
	return nil, fmt.Errorf("ossauth: empty policy condition")
}

// dollar returns "$"+field, without allocating for the fields handlers use.
func dollar(field string) string {
	switch field {
	case "key":
		return "$key"
	case "content-type":
		return "$content-type"
	case "x-oss-forbid-overwrite":
		return "$x-oss-forbid-overwrite"
	}
	return "$" + field
}

// The exact conditions every V4 policy has, as structs: encoding/json writes {"bucket":"…"} for
// exactBucket as it does for map[string]string{"bucket": …}, without a map to build and sort.
type (
	exactBucket struct {
		V string `json:"bucket"`
	}
	exactSignatureVersion struct {
		V string `json:"x-oss-signature-version"`
	}
	exactCredential struct {
		V string `json:"x-oss-credential"`
	}
	exactDate struct {
		V string `json:"x-oss-date"`
	}
	exactSecurityToken struct {
		V string `json:"x-oss-security-token"`
	}
)

// marshal encodes v as JSON without HTML escaping (OSS reads the JSON, not a browser). sizeHint is
// the expected length.
func marshal(v any, sizeHint int) ([]byte, error) {
	var b bytes.Buffer
	b.Grow(sizeHint + 1)
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
func (p Policy) MarshalJSON() ([]byte, error) { return p.marshal(nil) }

// policyDocument is the typed value encoding/json turns into a policy.
type policyDocument struct {
	Expiration string `json:"expiration"`
	Conditions []any  `json:"conditions"`
}

// marshal encodes the policy with the conditions lead in front of p.Conditions, in one pass of
// encoding/json over typed values: every string in it, user input included, is a JSON string
// written by encoding/json, so none can add or change a condition.
func (p Policy) marshal(lead []Condition) ([]byte, error) {
	var exp [32]byte
	doc := policyDocument{
		Expiration: string(p.Expiration.UTC().AppendFormat(exp[:0], PolicyTimeFormat)),
		Conditions: make([]any, 0, len(lead)+len(p.Conditions)),
	}
	size := 64
	for _, conds := range [2][]Condition{lead, p.Conditions} {
		for _, c := range conds {
			v, err := c.jsonValue()
			if err != nil {
				return nil, err
			}
			doc.Conditions = append(doc.Conditions, v)
			size += 32 + len(c.field) + len(c.value)
			for _, s := range c.values {
				size += 3 + len(s)
			}
		}
	}
	return marshal(&doc, size)
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
	return signPostPolicyV4(nil, creds, bucket, region, p, now)
}

func signPostPolicyV4(s *Signer, creds Credentials, bucket, region string, p Policy, now time.Time) (PostPolicyV4, error) {
	if !creds.Valid() {
		return PostPolicyV4{}, ErrNoCredential
	}
	if region == "" {
		return PostPolicyV4{}, ErrNoRegion
	}
	if !p.Expiration.After(now) || p.Expiration.Sub(now) > MaxPresignExpiry {
		return PostPolicyV4{}, ErrPolicyExpiration
	}
	var buf [160]byte
	out := PostPolicyV4{SignatureVersion: AlgorithmV4, SecurityToken: creds.SecurityToken}
	// One statement each: buf is reused, and conversions are not ordered with the calls of one
	// expression.
	out.Credential = string(appendCredential(buf[:0], creds.AccessKeyID, now, region))
	out.Date = string(appendDateV4(buf[:0], now))
	lead := [5]Condition{
		Exact("bucket", bucket),
		Exact("x-oss-signature-version", out.SignatureVersion),
		Exact("x-oss-credential", out.Credential),
		Exact("x-oss-date", out.Date),
	}
	n := 4
	if creds.SecurityToken != "" {
		lead[4] = Exact("x-oss-security-token", creds.SecurityToken)
		n++
	}
	doc, err := p.marshal(lead[:n])
	if err != nil {
		return PostPolicyV4{}, err
	}
	out.JSON = doc
	key := s.signingKey(creds.AccessKeySecret, now, region)
	out.Policy, out.Signature = signBase64(key[:], doc)
	return out, nil
}
