package localoss

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// postPolicy is a decoded PostObject policy: {"expiration": "...", "conditions": [...]}.
type postPolicy struct {
	expiration time.Time
	conditions []postCondition
}

// postCondition is one policy condition. Simple conditions {"k":"v"} are stored as "eq".
type postCondition struct {
	op       string   // "eq", "starts-with", "in", "not-in" or "content-length-range"
	field    string   // lower-case form field name, without "$"
	values   []string // one value for eq and starts-with, the list for in and not-in
	min, max int64    // content-length-range bounds in bytes
	text     string   // the condition as OSS quotes it in "Policy Condition failed: ..."
}

// parsePostPolicy decodes the base64 policy form field and validates its shape.
func parsePostPolicy(b64 string) (*postPolicy, *Error) {
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, errPolicyDocument("Invalid Base64 Encoding.")
	}
	var doc map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&doc); err != nil || doc == nil || dec.More() {
		return nil, errPolicyDocument("Invalid JSON: the policy must be one JSON object.")
	}
	expRaw, hasExp := doc["expiration"]
	condRaw, hasCond := doc["conditions"]
	switch {
	case !hasExp && !hasCond:
		return nil, errPolicyDocument("Policy missing expiration and conditions.")
	case !hasExp:
		return nil, errPolicyDocument("Policy missing expiration.")
	case !hasCond:
		return nil, errPolicyDocument("Policy missing conditions.")
	}
	var expText string
	if err := json.Unmarshal(expRaw, &expText); err != nil {
		return nil, errPolicyDocument("Policy expiration must be a string.")
	}
	if expText == "" {
		return nil, errPolicyDocument("Policy expiration must not be empty.")
	}
	exp, err := time.Parse(time.RFC3339Nano, expText)
	if err != nil {
		return nil, errPolicyDocument("Invalid Policy expiration, expected ISO8601 GMT such as 2014-12-01T12:00:00.000Z.")
	}
	var items []json.RawMessage
	if err := json.Unmarshal(condRaw, &items); err != nil {
		return nil, errPolicyDocument("Policy conditions must be an array.")
	}
	p := &postPolicy{expiration: exp}
	for _, item := range items {
		cond, err := parseCondition(item)
		if err != nil {
			return nil, err
		}
		p.conditions = append(p.conditions, cond)
	}
	return p, nil
}

func parseCondition(item json.RawMessage) (postCondition, *Error) {
	item = bytes.TrimSpace(item)
	if len(item) > 0 && item[0] == '{' {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(item, &m); err != nil || len(m) != 1 {
			return postCondition{}, errPolicyDocument("Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.")
		}
		for name, v := range m {
			var value string
			if err := json.Unmarshal(v, &value); err != nil {
				return postCondition{}, errPolicyDocument("Invalid Simple-Condition: the value of " + name + " must be a string.")
			}
			c := postCondition{op: "eq", field: strings.ToLower(name), values: []string{unescapeDollar(value)}}
			c.text = quoteCondition("eq", "$"+name, value)
			return c, nil
		}
	}
	var arr []json.RawMessage
	if err := json.Unmarshal(item, &arr); err != nil {
		return postCondition{}, errPolicyDocument("Invalid Condition: each condition must be an object or an array.")
	}
	if len(arr) == 0 {
		return postCondition{}, errPolicyDocument("Invalid Condition: the condition has no match mode.")
	}
	var op string
	if err := json.Unmarshal(arr[0], &op); err != nil {
		return postCondition{}, errPolicyDocument("Invalid Condition: the match mode must be a string.")
	}
	op = strings.ToLower(op)
	c := postCondition{op: op, text: compactCondition(arr)}
	if len(arr) != 3 {
		return postCondition{}, errPolicyDocument("Invalid Condition: " + c.text + " must have exactly 3 elements.")
	}
	if op == "content-length-range" {
		var ok1, ok2 bool
		c.min, ok1 = jsonInt(arr[1])
		c.max, ok2 = jsonInt(arr[2])
		if !ok1 || !ok2 || c.min < 0 || c.max < c.min {
			return postCondition{}, errPolicyDocument("Invalid Condition: content-length-range needs integers 0 <= min <= max: " + c.text)
		}
		return c, nil
	}
	var field string
	if err := json.Unmarshal(arr[1], &field); err != nil || !strings.HasPrefix(field, "$") || len(field) < 2 {
		return postCondition{}, errPolicyDocument("Invalid Condition: the field must be a string starting with '$': " + c.text)
	}
	c.field = strings.ToLower(field[1:])
	switch op {
	case "eq", "starts-with":
		var v string
		if err := json.Unmarshal(arr[2], &v); err != nil {
			return postCondition{}, errPolicyDocument("Invalid Condition: the value must be a string: " + c.text)
		}
		c.values = []string{unescapeDollar(v)}
	case "in", "not-in":
		var vs []string
		if err := json.Unmarshal(arr[2], &vs); err != nil || vs == nil {
			return postCondition{}, errPolicyDocument("Invalid Condition: the value must be a list of strings: " + c.text)
		}
		for i := range vs {
			vs[i] = unescapeDollar(vs[i])
		}
		c.values = vs
	default:
		return postCondition{}, errPolicyDocument("Invalid Condition: unknown match mode " + op + ".")
	}
	return c, nil
}

// jsonInt reads a JSON integer (or a string holding one).
func jsonInt(raw json.RawMessage) (int64, bool) {
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return 0, false
	}
	v, err := n.Int64()
	return v, err == nil
}

// unescapeDollar turns the policy language's escaped dollar "\$" into "$".
func unescapeDollar(s string) string { return strings.ReplaceAll(s, `\$`, `$`) }

func quoteCondition(op, field, value string) string {
	parts := make([]json.RawMessage, 0, 3)
	for _, s := range []string{op, field, value} {
		b, _ := json.Marshal(s)
		parts = append(parts, b)
	}
	return compactCondition(parts)
}

// compactCondition renders a condition like OSS does in messages: ["eq", "$key", "a"].
func compactCondition(arr []json.RawMessage) string {
	parts := make([]string, len(arr))
	for i, a := range arr {
		var buf bytes.Buffer
		if err := json.Compact(&buf, a); err != nil {
			parts[i] = string(a)
			continue
		}
		parts[i] = buf.String()
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// checkFields evaluates every condition except content-length-range against the form fields
// (lower-case names, "bucket" set to the target bucket, "key" before ${filename} expansion). A
// condition may name any field, x-oss-* ones included (the V4 policy itself pins
// x-oss-signature-version, x-oss-credential, x-oss-date: POST V4 signature,
// https://help.aliyun.com/en/oss/developer-reference/signature-version-4-recommend). A field the
// form does not carry is matched as the empty string, so ["eq","$success_action_redirect",""]
// forbids the field and ["eq","$x-oss-forbid-overwrite","true"] requires it. (The PostObject page
// says only that conditions list "the valid values of form fields"; matching an absent field as
// empty is S3's rule, which OSS's PostObject follows, and it is what lets a policy forbid a field.)
// A failed condition is 403 AccessDenied "Invalid according to Policy: Policy Condition failed"
// (https://help.aliyun.com/en/oss/user-guide/0006-00000227).
func (p *postPolicy) checkFields(fields map[string]string) *Error {
	for _, c := range p.conditions {
		v := fields[c.field]
		var ok bool
		switch c.op {
		case "eq":
			ok = v == c.values[0]
		case "starts-with":
			ok = strings.HasPrefix(v, c.values[0])
		case "in":
			ok = contains(c.values, v)
		case "not-in":
			ok = !contains(c.values, v)
		default:
			continue
		}
		if !ok {
			return errAccessDenied("Invalid according to Policy: Policy Condition failed: " + c.text)
		}
	}
	return nil
}

// sizeLimit returns the smallest content-length-range maximum, or -1 without one.
func (p *postPolicy) sizeLimit() int64 {
	limit := int64(-1)
	for _, c := range p.conditions {
		if c.op == "content-length-range" && (limit < 0 || c.max < limit) {
			limit = c.max
		}
	}
	return limit
}

// checkSize applies every content-length-range condition to the file size in bytes.
func (p *postPolicy) checkSize(size int64) *Error {
	for _, c := range p.conditions {
		if c.op != "content-length-range" {
			continue
		}
		if size > c.max {
			return errTooLarge(c.max)
		}
		if size < c.min {
			return newError(http.StatusBadRequest, CodeEntityTooSmall, "Your proposed upload is smaller than the minimum allowed size.",
				ErrorField{"MinSizeAllowed", strconv.FormatInt(c.min, 10)}, ErrorField{"ProposedSize", strconv.FormatInt(size, 10)})
		}
	}
	return nil
}

// hasEq reports whether the policy pins field (lower-case) with an exact-match condition.
func (p *postPolicy) hasEq(field string) bool {
	for _, c := range p.conditions {
		if c.op == "eq" && c.field == field {
			return true
		}
	}
	return false
}
