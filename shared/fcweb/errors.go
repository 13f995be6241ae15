package fcweb

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/fc-oss-upload/fc-oss-upload/shared/upload"
)

// Status returns the HTTP status of an error code.
func Status(c upload.Code) int {
	switch c {
	case upload.CodeInvalidArgument, upload.CodeSizeRequired:
		return http.StatusBadRequest
	case upload.CodeUnauthenticated:
		return http.StatusUnauthorized
	case upload.CodePermissionDenied:
		return http.StatusForbidden
	case upload.CodeNotFound:
		return http.StatusNotFound
	case upload.CodeMethodNotAllowed:
		return http.StatusMethodNotAllowed
	case upload.CodePayloadTooLarge:
		return http.StatusRequestEntityTooLarge
	case upload.CodeUnsupportedMediaType:
		return http.StatusUnsupportedMediaType
	case upload.CodeUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// ErrorBody is the JSON body of every error response.
type ErrorBody struct {
	Error struct {
		Code      upload.Code `json:"code"`
		Message   string      `json:"message"`
		RequestID string      `json:"requestId,omitempty"`
	} `json:"error"`
}

// WriteError answers err as JSON. An error that is not an *upload.Error is logged with its
// details and shown as "internal error".
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	e := upload.AsError(err)
	if e.Code == upload.CodeInternal || e.Err != nil {
		Logger(r.Context()).Error("request failed", "code", e.Code, "error", e.Error())
	}
	var body ErrorBody
	body.Error.Code, body.Error.Message, body.Error.RequestID = e.Code, e.Message, RequestID(r.Context())
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

// WriteJSON writes v as a JSON response that no cache keeps.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // URLs keep their "&"
	err := enc.Encode(v)
	b := bytes.TrimRight(buf.Bytes(), "\n")
	if err != nil {
		slog.Error("fcweb: cannot encode response", "error", err)
		status, b = http.StatusInternalServerError, []byte(`{"error":{"code":"internal","message":"internal error"}}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(b)
}

// Page serves a fixed HTML page.
func Page(html []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			w.Write(html)
		}
	})
}

// JSON returns a handler that answers what answer returns as JSON (200), or its error (WriteError).
func JSON(answer func(*http.Request) (any, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := answer(r)
		if err != nil {
			WriteError(w, r, err)
			return
		}
		WriteJSON(w, http.StatusOK, v)
	})
}
