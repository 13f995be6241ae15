package userauth

import "errors"

// Error is why a token was refused. Reason is safe to show the caller (it never holds the token);
// Unavailable is set when the key set could not be had, which is the issuer's fault, not the
// caller's.
type Error struct {
	Reason      string
	Unavailable bool
	Err         error // the cause, for logs
}

// Error returns the reason and the cause.
func (e *Error) Error() string {
	if e.Err != nil {
		return "userauth: " + e.Reason + ": " + e.Err.Error()
	}
	return "userauth: " + e.Reason
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// ErrNoToken is returned (wrapped in an *Error) when the request carries no bearer token.
var ErrNoToken = errors.New("no bearer token")

func refuse(reason string) *Error { return &Error{Reason: reason} }
