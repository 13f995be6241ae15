package localoss

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Error is an OSS service error as this server reports it: an HTTP status, an OSS error code
// such as "SignatureDoesNotMatch", a human-readable message and the extra elements OSS adds to
// some errors (StringToSign, Expires, ServerTime...). It is written as the OSS XML error body.
type Error struct {
	Status  int
	Code    string
	Message string
	// Extra holds additional child elements of <Error>, in order, after Code/Message/RequestId/HostId.
	Extra []ErrorField
}

// ErrorField is one extra child element of an OSS XML error body.
type ErrorField struct {
	Name  string
	Value string
}

// Error implements the error interface.
func (e *Error) Error() string { return e.Code + ": " + e.Message }

func newError(status int, code, message string, extra ...ErrorField) *Error {
	return &Error{Status: status, Code: code, Message: message, Extra: extra}
}

func errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// The error codes this server returns, with the HTTP status OSS uses for each.
const (
	CodeAccessDenied                 = "AccessDenied"                        // 403
	CodeAccessForbidden              = "AccessForbidden"                     // 403, CORS preflight refused
	CodeSignatureDoesNotMatch        = "SignatureDoesNotMatch"               // 403
	CodeInvalidAccessKeyID           = "InvalidAccessKeyId"                  // 403
	CodeInvalidSecurityToken         = "InvalidSecurityToken"                // 403
	CodeSecurityTokenExpired         = "SecurityTokenExpired"                // 403
	CodeRequestTimeTooSkewed         = "RequestTimeTooSkewed"                // 403
	CodeInvalidArgument              = "InvalidArgument"                     // 400
	CodeInvalidDigest                = "InvalidDigest"                       // 400
	CodeInvalidObjectName            = "InvalidObjectName"                   // 400
	CodeInvalidPolicyDocument        = "InvalidPolicyDocument"               // 400
	CodeMalformedPOSTRequest         = "MalformedPOSTRequest"                // 400
	CodeIncorrectNumberOfFiles       = "IncorrectNumberOfFilesInPOSTRequest" // 400
	CodeMaxPOSTPreDataLengthExceeded = "MaxPOSTPreDataLengthExceeded"        // 400
	CodeMalformedXML                 = "MalformedXML"                        // 400
	CodeEntityTooLarge               = "EntityTooLarge"                      // 400
	CodeEntityTooSmall               = "EntityTooSmall"                      // 400
	CodeInvalidPart                  = "InvalidPart"                         // 400
	CodeInvalidPartOrder             = "InvalidPartOrder"                    // 400
	CodeNoSuchBucket                 = "NoSuchBucket"                        // 404
	CodeNoSuchKey                    = "NoSuchKey"                           // 404
	CodeNoSuchUpload                 = "NoSuchUpload"                        // 404
	CodeMethodNotAllowed             = "MethodNotAllowed"                    // 405
	CodeFileAlreadyExists            = "FileAlreadyExists"                   // 409
	CodeNotImplemented               = "NotImplemented"                      // 501
	CodeInternalError                = "InternalError"                       // 500
)

// ossTime formats t the way OSS writes times in XML bodies (ISO 8601, milliseconds, UTC).
func ossTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func errAccessDenied(msg string, extra ...ErrorField) *Error {
	return newError(http.StatusForbidden, CodeAccessDenied, msg, extra...)
}

func errInvalidArgument(msg string, extra ...ErrorField) *Error {
	return newError(http.StatusBadRequest, CodeInvalidArgument, msg, extra...)
}

func errInvalidAccessKeyID(ak string) *Error {
	return newError(http.StatusForbidden, CodeInvalidAccessKeyID,
		"The OSS Access Key Id you provided does not exist in our records.",
		ErrorField{"OSSAccessKeyId", ak})
}

func errExpired(expires, now time.Time) *Error {
	return errAccessDenied("Request has expired.",
		ErrorField{"Expires", ossTime(expires)}, ErrorField{"ServerTime", ossTime(now)})
}

func errSkewed(requestTime, now time.Time) *Error {
	return newError(http.StatusForbidden, CodeRequestTimeTooSkewed,
		"The difference between the request time and the current time is too large.",
		ErrorField{"RequestTime", ossTime(requestTime)},
		ErrorField{"ServerTime", ossTime(now)},
		ErrorField{"MaxAllowedSkewMilliseconds", strconv.FormatInt(maxSkew.Milliseconds(), 10)})
}

func errInvalidObjectName(msg string) *Error {
	return newError(http.StatusBadRequest, CodeInvalidObjectName, msg)
}

func errMalformedPOST(msg string) *Error {
	return newError(http.StatusBadRequest, CodeMalformedPOSTRequest, msg)
}

func errPolicyDocument(msg string) *Error {
	return newError(http.StatusBadRequest, CodeInvalidPolicyDocument, "Invalid Policy: "+msg)
}

func errNoSuchKey(key string) *Error {
	return newError(http.StatusNotFound, CodeNoSuchKey, "The specified key does not exist.", ErrorField{"Key", key})
}

func errNoSuchUpload(id string) *Error {
	return newError(http.StatusNotFound, CodeNoSuchUpload,
		"The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
		ErrorField{"UploadId", id})
}

func errTooLarge(limit int64) *Error {
	return newError(http.StatusBadRequest, CodeEntityTooLarge,
		"Your proposed upload exceeds the maximum allowed size.",
		ErrorField{"MaxSizeAllowed", strconv.FormatInt(limit, 10)})
}

func errFileExists() *Error {
	return newError(http.StatusConflict, CodeFileAlreadyExists, "The object you specified already exists and can not be overwritten.")
}

// writeError writes e as an OSS XML error body. The request id header is already set.
func writeError(w http.ResponseWriter, e *Error, requestID, hostID string) {
	type field struct {
		XMLName xml.Name
		Value   string `xml:",chardata"`
	}
	body := struct {
		XMLName   xml.Name `xml:"Error"`
		Code      string   `xml:"Code"`
		Message   string   `xml:"Message"`
		RequestID string   `xml:"RequestId"`
		HostID    string   `xml:"HostId"`
		Extra     []field
	}{Code: e.Code, Message: e.Message, RequestID: requestID, HostID: hostID}
	for _, f := range e.Extra {
		body.Extra = append(body.Extra, field{XMLName: xml.Name{Local: f.Name}, Value: f.Value})
	}
	writeXML(w, e.Status, body)
}

// writeXML writes v with the XML declaration OSS uses.
func writeXML(w http.ResponseWriter, status int, v any) {
	out, err := xml.Marshal(v)
	if err != nil { // only possible with a programming error; never panic on a request path
		out = []byte("<Error><Code>InternalError</Code></Error>")
		status = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("Content-Length", strconv.Itoa(len(xml.Header)+len(out)))
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(out)
}
