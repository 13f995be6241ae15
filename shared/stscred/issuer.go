package stscred

import (
	"context"
	"strings"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/shared/ossauth"
)

// Issuer fetches the upload credentials of one prefix: AssumeRole on the upload role, signed with
// the function role's credentials, under the prefix's session policy. Its Fetch is a Cache's
// Fetcher; every failure is an *Error.
type Issuer struct {
	Client *Client
	// Caller returns the function role's credentials (rolecred.Source).
	Caller interface {
		Credentials(ctx context.Context) (ossauth.Credentials, error)
	}
	Bucket string
	// Dir is the configured upload prefix; a prefix below it names a user (see sessionName).
	Dir      string
	Duration time.Duration
}

// Fetch assumes the upload role for prefix.
func (i *Issuer) Fetch(ctx context.Context, prefix string) (Token, error) {
	caller, err := i.Caller.Credentials(ctx)
	if err != nil {
		return Token{}, &Error{Code: "MissingCredentials", Message: err.Error()}
	}
	policy, err := sessionPolicy(i.Bucket, prefix)
	if err != nil {
		return Token{}, &Error{Code: "PolicyTooLong", Message: err.Error()}
	}
	return i.Client.AssumeRole(ctx, caller, AssumeRoleInput{SessionName: sessionName(i.Dir, prefix), Policy: policy, Duration: i.Duration})
}

// defaultSessionName is the RoleSessionName of AssumeRole calls without a user; it shows in
// ActionTrail.
const defaultSessionName = "fc-oss-upload"

// sessionName names the session after the user a prefix belongs to ("u.alice"), so ActionTrail
// attributes every upload. RoleSessionName allows [A-Za-z0-9_.@-] and 64 characters: the segment's
// escapes ("~") become "-" and long ones are cut, so two users may share a session name (never a
// prefix: the session policy names the exact segment).
func sessionName(dir, prefix string) string {
	user := strings.TrimSuffix(strings.TrimPrefix(prefix, dir), "/")
	if user == "" {
		return defaultSessionName
	}
	name := "u." + strings.ReplaceAll(user, "~", "-")
	if len(name) > 64 {
		name = name[:64]
	}
	return name
}
