package upload

import (
	"fmt"
	"strings"
)

// ramWildcards are the characters that may mean more than themselves in a RAM policy's Resource:
// * is documented as a wildcard (https://www.alibabacloud.com/help/en/oss/user-guide/authorization-syntax-and-elements,
// "Resource ... Supports the wildcard *"; https://www.alibabacloud.com/help/document_detail/93739.html),
// ? is treated as a one-character wildcard by RAM-style matchers (issue 18's attack run), and $
// starts a policy variable. None is needed in a bucket name or a key prefix, so all are refused.
const ramWildcards = "*?$"

// CheckResource fails when s, a value that becomes part of a RAM policy resource (the bucket, the
// upload prefix, a user segment), holds a RAM wildcard or variable character: "up?oads/" would
// grant "upXoads/" too.
func CheckResource(what, s string) error {
	if i := strings.IndexAny(s, ramWildcards); i >= 0 {
		return fmt.Errorf("%s %q must not contain %q: RAM reads *, ? and $ in a policy resource as wildcards or variables", what, s, s[i])
	}
	return nil
}
