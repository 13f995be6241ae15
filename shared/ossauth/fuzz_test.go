package ossauth

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"testing"
	"time"
	"unicode/utf8"
)

// decodeConditions parses a policy document strictly enough to count its conditions: it must be one
// JSON object {"expiration":string,"conditions":[...]} and nothing else.
func decodeConditions(t *testing.T, doc []byte) (string, []json.RawMessage) {
	t.Helper()
	if !json.Valid(doc) {
		t.Fatalf("policy is not valid JSON: %q", doc)
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.DisallowUnknownFields()
	var p struct {
		Expiration *string           `json:"expiration"`
		Conditions []json.RawMessage `json:"conditions"`
	}
	if err := dec.Decode(&p); err != nil || p.Expiration == nil || p.Conditions == nil {
		t.Fatalf("policy %q: %v", doc, err)
	}
	if dec.More() {
		t.Fatalf("policy %q has trailing data", doc)
	}
	return *p.Expiration, p.Conditions
}

// decodeAny decodes raw with numbers kept exact.
func decodeAny(t *testing.T, raw []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("condition %q: %v", raw, err)
	}
	return v
}

// same reports whether a decoded string is the value put in: exactly, for valid UTF-8; encoding/json
// turns invalid bytes into U+FFFD, which OSS would then compare against, so for those only the shape
// is checked (no condition can be added either way).
func same(got any, want string) bool {
	s, ok := got.(string)
	if !ok {
		return false
	}
	if utf8.ValidString(want) {
		return s == want
	}
	return utf8.ValidString(s)
}

// spec is what a condition was built from; the test keeps its own copy rather than reading
// Condition's fields, so that it checks the encoding, whatever Condition looks like inside.
type spec struct {
	kind, field, value string
	values             []string
	min, max           int64
}

// build returns the Condition of s, made by the exported constructors.
func (s spec) build() Condition {
	switch s.kind {
	case "exact":
		return exact(s.field, s.value)
	case "eq":
		return Eq(s.field, s.value)
	case "starts-with":
		return StartsWith(s.field, s.value)
	case "in":
		return In(s.field, s.values...)
	case "content-length-range":
		return ContentLengthRange(s.min, s.max)
	}
	return Condition{}
}

func build(specs []spec) []Condition {
	var out []Condition
	for _, s := range specs {
		out = append(out, s.build())
	}
	return out
}

// checkCondition fails t unless raw is exactly the condition c with its values unchanged.
func checkCondition(t *testing.T, raw []byte, c spec) {
	t.Helper()
	v := decodeAny(t, raw)
	switch c.kind {
	case "exact":
		m, ok := v.(map[string]any)
		if !ok || len(m) != 1 {
			t.Fatalf("exact condition %q: want one field", raw)
		}
		for k, val := range m {
			if !same(any(k), c.field) || !same(val, c.value) {
				t.Fatalf("exact condition %q: want %q=%q", raw, c.field, c.value)
			}
		}
	case "eq", "starts-with":
		a, ok := v.([]any)
		if !ok || len(a) != 3 || a[0] != c.kind || !same(a[1], "$"+c.field) || !same(a[2], c.value) {
			t.Fatalf("%s condition %q: want [%q, %q, %q]", c.kind, raw, c.kind, "$"+c.field, c.value)
		}
	case "in":
		a, ok := v.([]any)
		if !ok || len(a) != 3 || a[0] != c.kind || !same(a[1], "$"+c.field) {
			t.Fatalf("%s condition %q", c.kind, raw)
		}
		list, ok := a[2].([]any)
		if !ok || len(list) != len(c.values) {
			t.Fatalf("%s condition %q: want %d values", c.kind, raw, len(c.values))
		}
		for i, want := range c.values {
			if !same(list[i], want) {
				t.Fatalf("%s condition %q: value %d is not %q", c.kind, raw, i, want)
			}
		}
	case "content-length-range":
		a, ok := v.([]any)
		if !ok || len(a) != 3 || a[0] != c.kind {
			t.Fatalf("range condition %q", raw)
		}
		lo, _ := a[1].(json.Number)
		hi, _ := a[2].(json.Number)
		if lo.String() != itoa(c.min) || hi.String() != itoa(c.max) {
			t.Fatalf("range condition %q: want %d..%d", raw, c.min, c.max)
		}
	default:
		t.Fatalf("unknown kind %q", c.kind)
	}
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// FuzzPolicy: whatever the field names and values, a policy is valid JSON with exactly the
// conditions put in, each value round-tripping unchanged (no condition injection).
func FuzzPolicy(f *testing.F) {
	f.Add("key", "uploads/2026/01/02/abc.png", "image/png", int64(0), int64(1<<20))
	f.Add("key", `a"],["starts-with","$key","`, `"}],"x":[{"`, int64(-1), int64(1<<62))
	f.Add("content-type", "text/plain; charset=\"utf-8\"", "image/png\r\nX: y", int64(1), int64(1))
	f.Add(`bucket":"other`, "uploads/中文 a+b~(1) %2F\\.png", "</script><script>", int64(-9007199254740993), int64(9007199254740993))
	f.Add("x-oss-meta-a", "\x00\x01\x1f\u2028\u2029", "\xff\xfe", int64(5), int64(4))
	f.Add("", "", "", int64(0), int64(0))
	f.Add("$key", "${key}", "&amp;<>", int64(0), int64(0))
	f.Fuzz(func(t *testing.T, field, value, other string, lo, hi int64) {
		specs := []spec{
			{kind: "exact", field: field, value: value},
			{kind: "eq", field: field, value: value},
			{kind: "starts-with", field: field, value: value},
			{kind: "in", field: field, values: []string{value, other}},
			{kind: "in", field: field},
			{kind: "content-length-range", min: lo, max: hi},
			// The exact conditions SignPostPolicyV4 adds, with a caller's value.
			{kind: "exact", field: "bucket", value: value},
			{kind: "exact", field: "x-oss-security-token", value: other},
		}
		conds := build(specs)
		exp := time.Unix(1767312000, 123e6)
		doc, err := policyJSON(exp, nil, conds)
		if err != nil {
			t.Fatal(err)
		}
		gotExp, raw := decodeConditions(t, doc)
		if gotExp != exp.UTC().Format(policyTimeFormat) {
			t.Fatalf("expiration %q", gotExp)
		}
		if len(raw) != len(conds) {
			t.Fatalf("%d conditions in %q, want %d", len(raw), doc, len(conds))
		}
		for i, c := range specs {
			checkCondition(t, raw[i], c)
		}
	})
}

// FuzzSignPostPolicyV4: with any bucket, security token, key value and time, a signed policy carries
// exactly the required conditions plus the caller's, the base64 policy is the JSON, and the signature
// is 64 hex characters that verify under the secret.
func FuzzSignPostPolicyV4(f *testing.F) {
	f.Add("examplebucket", "cn-hangzhou", "CAISexampletoken+/=", "uploads/a.png", int64(1767312000), int64(600))
	f.Add("b", "oss-cn-hangzhou", "", `a"],["starts-with","$key","`, int64(0), int64(1))
	f.Add(`b"},{"bucket":"evil`, "us-east-1", `tok"},["eq","$key","x`, "中文 a+b~(1).png", int64(1e9), int64(604800))
	f.Add("b", "r", "t", "k", int64(1e9), int64(604801))
	f.Add("b", "", "t", "k", int64(1e9), int64(60))
	f.Add("b", "r", "\xff", "\x00", int64(-5), int64(-5))
	f.Fuzz(func(t *testing.T, bucket, region, token, key string, sec, ttl int64) {
		creds := Credentials{AccessKeyID: "STS.fuzz", AccessKeySecret: "fuzz-secret", SecurityToken: token}
		now := time.Unix(sec%(1<<40), 0).UTC()
		mine := []spec{
			{kind: "eq", field: "key", value: key},
			{kind: "content-length-range", min: 0, max: 1 << 20},
			{kind: "in", field: "content-type", values: []string{key, bucket}},
		}
		p := PostPolicyV4Options{Bucket: bucket, Region: region, Expiration: now.Add(time.Duration(ttl%(1<<31)) * time.Second), Conditions: build(mine)}
		var s Signer
		out, err := s.SignPostPolicyV4(creds, p, now)
		if err != nil {
			if region == "" || !p.Expiration.After(now) || p.Expiration.Sub(now) > MaxPresignExpiry {
				return
			}
			t.Fatalf("SignPostPolicyV4: %v", err)
		}
		if region == "" || !p.Expiration.After(now) || p.Expiration.Sub(now) > MaxPresignExpiry {
			t.Fatalf("SignPostPolicyV4 signed region %q expiration %v at %v", region, p.Expiration, now)
		}
		doc, err := base64.StdEncoding.DecodeString(out.Policy)
		if err != nil {
			t.Fatalf("policy field is not base64: %v", err)
		}
		_, raw := decodeConditions(t, doc)
		want := []spec{
			{kind: "exact", field: "bucket", value: bucket},
			{kind: "exact", field: "x-oss-signature-version", value: algorithmV4},
			{kind: "exact", field: "x-oss-credential", value: out.Credential},
			{kind: "exact", field: "x-oss-date", value: out.Date},
		}
		if token != "" {
			want = append(want, spec{kind: "exact", field: "x-oss-security-token", value: token})
		}
		want = append(want, mine...)
		if len(raw) != len(want) {
			t.Fatalf("%d conditions, want %d: %s", len(raw), len(want), doc)
		}
		for i, c := range want {
			checkCondition(t, raw[i], c)
		}
		if sig, err := hex.DecodeString(out.Signature); err != nil || len(sig) != 32 {
			t.Fatalf("signature %q", out.Signature)
		}
		if out.Signature != hex.EncodeToString(hmacRef(referenceSigningKey(creds.AccessKeySecret, now, region), out.Policy)) {
			t.Fatal("signature does not verify")
		}
		if out.SecurityToken != token || out.SignatureVersion != algorithmV4 {
			t.Fatalf("fields %+v", out)
		}
	})
}
