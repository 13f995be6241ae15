package fcweb

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/fc-oss-upload/fc-oss-upload/shared/api"
	"github.com/fc-oss-upload/fc-oss-upload/shared/upload"
)

// statuses maps each error code to its HTTP status; any other code is a 500.
var statuses = map[upload.Code]int{
	upload.CodeInvalidArgument:      http.StatusBadRequest,
	upload.CodeSizeRequired:         http.StatusBadRequest,
	upload.CodeUnauthenticated:      http.StatusUnauthorized,
	upload.CodePermissionDenied:     http.StatusForbidden,
	upload.CodeNotFound:             http.StatusNotFound,
	upload.CodeMethodNotAllowed:     http.StatusMethodNotAllowed,
	upload.CodePayloadTooLarge:      http.StatusRequestEntityTooLarge,
	upload.CodeUnsupportedMediaType: http.StatusUnsupportedMediaType,
	upload.CodeUnavailable:          http.StatusServiceUnavailable,
}

// Status returns the HTTP status of an error code.
func Status(c upload.Code) int {
	if s, ok := statuses[c]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// WriteError answers err as JSON. An error that is not an *upload.Error is logged with its
// details and shown as "internal error".
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	e := upload.AsError(err)
	if e.Code == upload.CodeInternal || e.Err != nil {
		Logger(r.Context()).Error("request failed", "code", e.Code, "error", e.Error())
	}
	var body api.Error
	body.Error.Code, body.Error.Message, body.Error.RequestID = string(e.Code), e.Message, requestIDOf(r.Context())
	if e.Code == upload.CodeUnauthenticated {
		// RFC 6750 section 3: a bearer challenge, with invalid_token when a token was sent.
		challenge := `Bearer realm="fc-oss-upload"`
		var ae *authError
		if errors.As(err, &ae) && ae.invalid {
			challenge += `, error="invalid_token"`
		}
		w.Header().Set("WWW-Authenticate", challenge)
	}
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((e.RetryAfter+999_999_999)/1_000_000_000)))
	}
	WriteJSON(w, Status(e.Code), body)
}
