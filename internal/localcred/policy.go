package localcred

import (
	"encoding/json"
	"errors"
	"strings"
)

// Permits reports whether the key may perform action on resource (an ARN). As RAM evaluates a
// request (https://www.alibabacloud.com/help/en/ram/policy-evaluation-process: a session policy of
// an assumed role is evaluated first and must allow the request, then the principal's identity-based
// policies must allow it, an explicit Deny anywhere wins), both the key's session Policy and its
// IdentityPolicy must allow the request when present: the permissions of an STS token are the
// intersection of its role's policy and the session policy. A nil policy does not restrict. The error
// tells which policy does not parse (it then allows nothing).
func (k Key) Permits(action, resource string) (bool, error) {
	for _, doc := range [][]byte{k.Policy, k.IdentityPolicy} {
		if doc == nil {
			continue
		}
		if ok, err := PolicyAllows(doc, action, resource); !ok {
			return false, err
		}
	}
	return true, nil
}

// ramPolicy is the subset of a RAM policy document that is evaluated. Condition blocks are parsed
// but not evaluated.
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

// PolicyAllows evaluates a RAM policy for action on resource, an ARN
// acs:<service>:<region>:<account>:<relative-id> such as acs:oss:*:*:bucket/key or
// acs:ram::1234567890123456:role/name: an explicit Deny wins, otherwise an Allow must match both the
// action and the resource. A policy that does not parse allows nothing.
func PolicyAllows(doc []byte, action, resource string) (bool, error) {
	var p ramPolicy
	if err := json.Unmarshal(doc, &p); err != nil {
		return false, err
	}
	allowed := false
	for _, st := range p.Statement {
		if !st.matchesAction(action) || !st.matchesResource(resource) {
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

func (st ramStatement) matchesResource(resource string) bool {
	match := func(patterns []string) bool {
		for _, p := range patterns {
			if resourceMatch(p, resource) {
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

// resourceMatch matches an ARN pattern against an ARN, part by part. A region or account the
// resource leaves empty or "*" is not known locally (the local OSS has no account) and matches
// anything.
func resourceMatch(pattern, resource string) bool {
	if pattern == "*" {
		return true
	}
	p, r := strings.SplitN(pattern, ":", 5), strings.SplitN(resource, ":", 5)
	if len(p) != 5 || len(r) != 5 {
		return false
	}
	for i := 2; i <= 3; i++ {
		if r[i] != "" && r[i] != "*" && !globMatch(p[i], r[i]) {
			return false
		}
	}
	return globMatch(strings.ToLower(p[0]), strings.ToLower(r[0])) && globMatch(strings.ToLower(p[1]), strings.ToLower(r[1])) &&
		globMatch(p[4], r[4])
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
