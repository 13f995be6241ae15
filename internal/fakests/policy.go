package fakests

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// maxPolicyChars is STS's limit on the session Policy parameter.
const maxPolicyChars = 2048

// checkPolicy is the grammar check the fake applies to a session (or role) policy: JSON object, at
// most 2048 characters, a "Version" string and a non-empty "Statement" list whose entries have an
// Effect of Allow or Deny and some Action. It does not evaluate the policy; the local OSS does.
func checkPolicy(p string) error {
	if n := utf8.RuneCountInString(p); n > maxPolicyChars {
		return fmt.Errorf("policy is %d characters, more than %d", n, maxPolicyChars)
	}
	var doc struct {
		Version   *string           `json:"Version"`
		Statement []json.RawMessage `json:"Statement"`
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(p)))
	if err := dec.Decode(&doc); err != nil {
		return fmt.Errorf("policy is not a JSON object: %v", err)
	}
	if dec.More() {
		return errors.New("policy has trailing data after the JSON object")
	}
	if doc.Version == nil || *doc.Version == "" {
		return errors.New(`policy has no "Version"`)
	}
	if len(doc.Statement) == 0 {
		return errors.New(`policy has no "Statement"`)
	}
	for i, raw := range doc.Statement {
		var st struct {
			Effect string          `json:"Effect"`
			Action json.RawMessage `json:"Action"`
		}
		if err := json.Unmarshal(raw, &st); err != nil {
			return fmt.Errorf("Statement[%d] is not an object", i)
		}
		if st.Effect != "Allow" && st.Effect != "Deny" {
			return fmt.Errorf(`Statement[%d] Effect must be "Allow" or "Deny"`, i)
		}
		if len(st.Action) == 0 {
			return fmt.Errorf(`Statement[%d] has no "Action"`, i)
		}
	}
	return nil
}
