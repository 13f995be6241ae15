package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/fc-oss-upload/fc-oss-upload/shared/stscred"
	"github.com/fc-oss-upload/fc-oss-upload/shared/upload"
)

// roleFixes says what to change when STS refuses AssumeRole for lack of permission. The one-click form
// cannot create a role that trusts another role (its x-role picker makes roles that trust a service
// and carry system policies only: Serverless-Devs docs/zh/development-manual/parameters.md, x-role), so
// a deployment whose upload role was not set up by hand answers NoPermission; the log and the 503 then
// name the two roles and give the trust policy to paste.
type roleFixes struct {
	uploadRole   string // OSS_STS_ROLE_ARN
	functionRole string // OSS_STS_FUNCTION_ROLE_ARN; "" if not given
	function     string // this function's name, for when functionRole is unknown
}

// refused reports whether err is STS refusing the AssumeRole call for lack of permission: the caller
// is not allowed sts:AssumeRole on the role, or the role's trust policy does not name the caller.
func refused(err error) bool {
	var se *stscred.Error
	return errors.As(err, &se) && se.Code == "NoPermission"
}

// message returns the fix: both halves of the permission, as JSON documents to paste.
func (f roleFixes) message() string {
	account, uploadName := splitRoleARN(f.uploadRole)
	caller, callerName := f.functionRole, ""
	if caller != "" {
		_, callerName = splitRoleARN(caller)
		callerName += " (attached to this function)"
	} else {
		callerName = "<the role attached to the " + f.function + " function>"
		caller = "acs:ram::" + account + ":role/" + callerName
	}
	trust := fmt.Sprintf(`{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["%s"]}}]}`, caller)
	grant := fmt.Sprintf(`{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"%s"}]}`, f.uploadRole)
	return fmt.Sprintf("STS refused AssumeRole on role %s (NoPermission), so no upload credentials can be issued. "+
		"In the RAM console, set the trust policy of role %s to %s and give role %s a policy %s; "+
		"then retry (README, Deploy, step 1).",
		f.uploadRole, uploadName, trust, callerName, grant)
}

// splitRoleARN returns the account and role name of acs:ram::<account>:role/<name>.
func splitRoleARN(arn string) (account, name string) {
	rest, ok := strings.CutPrefix(arn, "acs:ram::")
	if !ok {
		return "", arn
	}
	account, name, _ = strings.Cut(rest, ":role/")
	return account, name
}

// refusedError is the 503 a client gets while the roles are wrong: the fix as its message. No
// Retry-After: retrying does not help until someone changes the roles.
func (f roleFixes) refusedError(err error) *upload.Error {
	return &upload.Error{Code: upload.CodeUnavailable, Message: f.message(), Err: err}
}
