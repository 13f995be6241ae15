package fcweb

import (
	"errors"
	"net/http"

	"github.com/fc-oss-upload/fc-oss-upload/shared/upload"
	"github.com/fc-oss-upload/fc-oss-upload/shared/userauth"
)

// User returns the user segment of the caller of r: "" when auth is nil (no per-user uploads),
// else the segment of the user its verified bearer token names (userauth.Segment: distinct users
// never share one), which upload.Rules.Prefix turns into the caller's prefix. No header other than
// Authorization is read, so nothing a client sends besides a valid token chooses the prefix. A
// missing or invalid token is unauthenticated (401 with WWW-Authenticate: Bearer); an issuer whose
// keys cannot be fetched is unavailable (503).
func User(r *http.Request, auth *userauth.Verifier) (string, error) {
	if auth == nil {
		return "", nil
	}
	user, err := auth.User(r)
	if err != nil {
		var e *userauth.Error
		if errors.As(err, &e) && e.Unavailable {
			return "", upload.Unavailable("the identity provider's keys", err)
		}
		msg := "sign in first: send Authorization: Bearer <token>"
		if errors.As(err, &e) && !errors.Is(err, userauth.ErrNoToken) {
			msg = "the bearer token was refused: " + e.Reason
		}
		return "", &authError{err: upload.Errorf(upload.CodeUnauthenticated, "%s", msg), invalid: !errors.Is(err, userauth.ErrNoToken)}
	}
	return userauth.Segment(user), nil
}

// authError is an unauthenticated error that says whether a token was sent (RFC 6750: invalid_token).
type authError struct {
	err     *upload.Error
	invalid bool
}

func (e *authError) Error() string { return e.err.Error() }
func (e *authError) Unwrap() error { return e.err }
