package localoss

import (
	"encoding/json"
	"errors"
	"strings"
)

// ramPolicy is the subset of a RAM policy document that the session-policy check evaluates.
// Condition blocks are parsed but not evaluated.
type ramPolicy struct {
	Version   string
	Statement []ramStatement
}

type ramStatement struct {
	Effect      string
	Action      stringOrList
	NotAction   stringOrList
	Resource    stringOrList
	NotResource stringOrList
	Condition   json.RawMessage
}

// stringOrList is a JSON string or array of strings.
type stringOrList []string

func (l *stringOrList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*l = []string{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return errors.New("expected a string or an array of strings")
	}
	*l = many
	return nil
}

// ossAction maps an operation to the RAM action that authorises it.
func ossAction(op string) string {
	switch op {
	case opPutObject, opPostObject, opInitiateMultipartUpload, opUploadPart, opCompleteMultipartUpload:
		return "oss:PutObject"
	case opAbortMultipartUpload:
		return "oss:AbortMultipartUpload"
	case opListParts:
		return "oss:ListParts"
	case opGetObject, opHeadObject:
		return "oss:GetObject"
	case opDeleteObject:
		return "oss:DeleteObject"
	}
	return "oss:" + op
}

// policyAllows evaluates a RAM policy for action on object bucket/key: an explicit Deny wins,
// otherwise an Allow must match both the action and the resource acs:oss:*:*:bucket/key.
// A policy that does not parse allows nothing.
func policyAllows(doc []byte, action, bucket, key string) (bool, error) {
	var p ramPolicy
	if err := json.Unmarshal(doc, &p); err != nil {
		return false, err
	}
	object := bucket + "/" + key
	allowed := false
	for _, st := range p.Statement {
		if !st.matchesAction(action) || !st.matchesResource(object) {
			continue
		}
		switch strings.ToLower(st.Effect) {
		case "deny":
			return false, nil
		case "allow":
			allowed = true
		}
	}
	return allowed, nil
}

func (st ramStatement) matchesAction(action string) bool {
	match := func(patterns []string) bool {
		for _, p := range patterns {
			if globMatch(strings.ToLower(p), strings.ToLower(action)) {
				return true
			}
		}
		return false
	}
	if st.Action != nil {
		return match(st.Action)
	}
	return st.NotAction != nil && !match(st.NotAction)
}

func (st ramStatement) matchesResource(object string) bool {
	match := func(patterns []string) bool {
		for _, p := range patterns {
			if resourceMatch(p, object) {
				return true
			}
		}
		return false
	}
	if st.Resource != nil {
		return match(st.Resource)
	}
	return st.NotResource != nil && !match(st.NotResource)
}

// resourceMatch matches an ARN pattern acs:oss:<region>:<account>:<path> against an object
// "bucket/key". Region and account are not known locally and match anything.
func resourceMatch(pattern, object string) bool {
	if pattern == "*" {
		return true
	}
	parts := strings.SplitN(pattern, ":", 5)
	if len(parts) != 5 {
		return false
	}
	return globMatch(parts[0], "acs") && globMatch(strings.ToLower(parts[1]), "oss") && globMatch(parts[4], object)
}

// globMatch reports whether s matches pattern, where '*' matches any run of characters
// (including '/') and '?' exactly one character.
func globMatch(pattern, s string) bool {
	p, t := []rune(pattern), []rune(s)
	pi, ti := 0, 0
	star, mark := -1, 0
	for ti < len(t) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == t[ti]):
			pi++
			ti++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, ti
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			ti = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}
