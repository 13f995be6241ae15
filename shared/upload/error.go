package upload

import (
	"errors"
	"fmt"
	"time"
)

// Code is a stable, machine-readable error code. The edge maps each to one HTTP status.
type Code string

// The error codes a client can see.
const (
	CodeInvalidArgument      Code = "invalid_argument"       // 400: fix the request
	CodeSizeRequired         Code = "size_required"          // 400: name the file's size
	CodeUnauthenticated      Code = "unauthenticated"        // 401: sign in first
	CodePermissionDenied     Code = "permission_denied"      // 403: not allowed (origin, user)
	CodeNotFound             Code = "not_found"              // 404: no such route
	CodeMethodNotAllowed     Code = "method_not_allowed"     // 405: wrong HTTP method
	CodePayloadTooLarge      Code = "payload_too_large"      // 413: file or request too large
	CodeUnsupportedMediaType Code = "unsupported_media_type" // 415: content type not allowed
	CodeUnavailable          Code = "unavailable"            // 503: try again later
	CodeInternal             Code = "internal"               // 500: a bug; details only in logs
)

// Error is the error every handler returns to a client. Message says what to fix and never holds
// a secret; Err is the cause, for logs only.
type Error struct {
	Code    Code
	Message string
	Err     error
	// RetryAfter, when set, tells the client how long to wait before trying again.
	RetryAfter time.Duration
}

// Error returns the message (and the cause, for logs).
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return string(e.Code) + ": " + e.Message
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// AsError returns err as an *Error, or an internal error that hides err's text from clients.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: CodeInternal, Message: "internal error", Err: err}
}

// Unavailable is the error for credentials that cannot be had right now (STS down or throttled, no
// role credentials): what names them for the client, err is the cause for logs; clients are told to
// retry after 2 seconds.
func Unavailable(what string, err error) *Error {
	return &Error{Code: CodeUnavailable, Message: what + " are unavailable right now; try again shortly", Err: err, RetryAfter: 2 * time.Second}
}
