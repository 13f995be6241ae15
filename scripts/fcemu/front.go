package fcemu

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"
)

// triggerResponse mirrors events.HTTPTriggerResponse with a pointer status, to tell a missing
// statusCode from a zero one.
type triggerResponse struct {
	StatusCode      *int              `json:"statusCode"`
	Headers         map[string]string `json:"headers"`
	IsBase64Encoded bool              `json:"isBase64Encoded"`
	Body            string            `json:"body"`
}

// ServeHTTP is the function's HTTP trigger: it authorises (Options.Authorize), converts the request
// into an HTTP trigger event, invokes the function and writes its HTTPTriggerResponse back. See the
// package doc for the error answers.
func (f *Function) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	now := f.opts.Now()
	id := newRequestID(now)
	w.Header().Set("X-Fc-Request-Id", id)
	status, outcome := f.serveTrigger(w, r, id, now)
	f.opts.Logger.Info("invocation",
		slog.String("requestId", id),
		slog.String("function", f.opts.FunctionName),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Int("status", status),
		slog.String("outcome", outcome),
		slog.Int64("durationMs", time.Since(start).Milliseconds()))
}

// serveTrigger answers one request and returns the status written (499 when the client left) and a
// short outcome for the log.
func (f *Function) serveTrigger(w http.ResponseWriter, r *http.Request, id string, now time.Time) (int, string) {
	var claims map[string]string
	if f.opts.Authorize != nil {
		c, err := f.opts.Authorize(r)
		if err != nil {
			return writeJSONError(w, http.StatusUnauthorized, "Unauthorized", "request rejected by the trigger authorizer: "+err.Error(), id), "unauthorized"
		}
		claims = c
	}

	limit := f.opts.MaxBodyBytes
	var body []byte
	var err error
	if r.Body != nil {
		body, err = io.ReadAll(io.LimitReader(r.Body, limit+1))
	}
	if err != nil {
		return writeJSONError(w, http.StatusBadRequest, "BadRequest", "could not read the request body", id), "body unreadable"
	}
	if int64(len(body)) > limit {
		return writeJSONError(w, http.StatusRequestEntityTooLarge, "PayloadTooLarge", tooLarge(limit), id), "body too large"
	}

	event, err := buildEvent(r, body, id, f.opts.AccountID, f.opts.DomainName, now, claims, f.opts.NoForwardedProto)
	if err != nil {
		return writeJSONError(w, http.StatusInternalServerError, "InternalError", "could not build the event", id), "event error"
	}
	res, err := f.invoke(r.Context(), nil, event, typeInvoke, id)
	switch {
	case err == nil:
	case errors.Is(err, ErrTimeout):
		return writeJSONError(w, http.StatusGatewayTimeout, "FunctionTimeout",
			fmt.Sprintf("function timed out after %v", f.opts.Timeout), id), "timeout"
	case errors.Is(err, ErrInstanceExited):
		return writeJSONError(w, http.StatusBadGateway, "InstanceExited", err.Error(), id), "instance exited"
	case errors.Is(err, ErrResultTooLarge):
		return writeJSONError(w, http.StatusBadGateway, "InvalidFunctionResponse", err.Error(), id), "result too large"
	case errors.Is(err, ErrClosed):
		return writeJSONError(w, http.StatusServiceUnavailable, "FunctionClosed", "the function is shut down", id), "closed"
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return 499, "client gone"
	default:
		return writeJSONError(w, http.StatusBadGateway, "InternalError", "invocation failed", id), err.Error()
	}
	if res.Error != nil {
		w.Header().Set("X-Fc-Error-Type", "UnhandledInvocationError")
		return writeJSONError(w, http.StatusBadGateway, res.Error.Type, res.Error.Message, id), "function error " + res.Error.Type
	}

	out, body, problem := decodeTriggerResponse(res.Payload)
	if problem != "" {
		return writeJSONError(w, http.StatusBadGateway, "InvalidFunctionResponse", problem, id), "invalid response"
	}
	h := w.Header()
	for k, v := range out.Headers {
		h.Set(k, v)
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(*out.StatusCode)
	_, _ = w.Write(body)
	return *out.StatusCode, "ok"
}

// decodeTriggerResponse parses the function's payload; problem says why it is not a valid
// HTTPTriggerResponse.
func decodeTriggerResponse(payload []byte) (triggerResponse, []byte, string) {
	var out triggerResponse
	if err := json.Unmarshal(payload, &out); err != nil {
		return out, nil, "the function result is not an HTTPTriggerResponse JSON object"
	}
	if out.StatusCode == nil {
		return out, nil, "the function result has no statusCode"
	}
	if c := *out.StatusCode; c < 100 || c > 599 {
		return out, nil, fmt.Sprintf("the function result has an invalid statusCode %d", c)
	}
	if !out.IsBase64Encoded {
		return out, []byte(out.Body), ""
	}
	body, err := base64.StdEncoding.DecodeString(out.Body)
	if err != nil {
		return out, nil, "the function result body is not valid base64"
	}
	return out, body, ""
}

func tooLarge(limit int64) string {
	return fmt.Sprintf("request body exceeds the %d-byte limit", limit)
}

// errorBody is the JSON of every answer the emulator itself makes.
type errorBody struct {
	ErrorType    string `json:"errorType"`
	ErrorMessage string `json:"errorMessage"`
	RequestID    string `json:"requestId"`
}

// writeJSONError writes an emulator error answer and returns status.
func writeJSONError(w http.ResponseWriter, status int, typ, msg, requestID string) int {
	b, _ := json.Marshal(errorBody{ErrorType: typ, ErrorMessage: msg, RequestID: requestID})
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
	return status
}
