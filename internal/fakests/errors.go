package fakests

import (
	"encoding/json"
	"net/http"
)

// Error codes the fake STS answers with, as real STS spells them.
const (
	CodeSignatureDoesNotMatch     = "SignatureDoesNotMatch"
	CodeIncompleteSignature       = "IncompleteSignature"
	CodeSignatureNonceUsed        = "SignatureNonceUsed"
	CodeInvalidTimeStampExpired   = "InvalidTimeStamp.Expired"
	CodeInvalidTimeStampFormat    = "InvalidTimeStamp.Format"
	CodeInvalidAccessKeyNotFound  = "InvalidAccessKeyId.NotFound"
	CodeMissingSecurityToken      = "MissingSecurityToken"
	CodeSecurityTokenMismatch     = "InvalidSecurityToken.MismatchWithAccessKey"
	CodeSecurityTokenExpired      = "InvalidSecurityToken.Expired"
	CodeMissingParameter          = "MissingParameter"
	CodeInvalidAction             = "InvalidAction.NotFound"
	CodeInvalidVersion            = "InvalidVersion"
	CodeInvalidFormat             = "InvalidParameter.Format"
	CodeEntityNotExistRole        = "EntityNotExist.Role"
	CodeNoPermission              = "NoPermission"
	CodeInvalidRoleSessionName    = "InvalidParameter.RoleSessionName"
	CodeInvalidDurationSeconds    = "InvalidParameter.DurationSeconds"
	CodeInvalidPolicyGrammar      = "InvalidParameter.PolicyGrammar"
	CodeThrottlingUser            = "Throttling.User"
	CodeInternalError             = "InternalError"
	CodeServiceUnavailable        = "ServiceUnavailable"
	codeOK                        = "OK"
	hostID                        = "sts.aliyuncs.com"
	recommendBase                 = "https://api.aliyun.com/troubleshoot?product=Sts&q="
	msgSignatureDoesNotMatch      = "Specified signature is not matched with our calculation."
	msgIncompleteSignature        = "The request signature does not conform to Aliyun standards."
	msgInvalidAccessKeyNotFound   = "Specified access key is not found."
	msgNoPermission               = "You are not authorized to do this action. You should be authorized by RAM."
	msgInvalidPolicyGrammarPrefix = "The parameter Policy has not passed grammar check: "
)

// apiError is one STS error answer.
type apiError struct {
	Status  int
	Code    string
	Message string
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func newError(status int, code, msg string) *apiError {
	return &apiError{Status: status, Code: code, Message: msg}
}

func missing(name string) *apiError {
	return newError(http.StatusBadRequest, CodeMissingParameter,
		`The input parameter "`+name+`" that is mandatory for processing this request is not supplied.`)
}

// errorBody is the JSON body of an STS error.
type errorBody struct {
	RequestID string `json:"RequestId"`
	HostID    string `json:"HostId"`
	Code      string `json:"Code"`
	Message   string `json:"Message"`
	Recommend string `json:"Recommend"`
}

func writeError(w http.ResponseWriter, requestID string, e *apiError) {
	writeJSON(w, e.Status, errorBody{
		RequestID: requestID,
		HostID:    hostID,
		Code:      e.Code,
		Message:   e.Message,
		Recommend: recommendBase + e.Code,
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil { // only our own plain structs are marshalled here
		status, b = http.StatusInternalServerError, []byte(`{"Code":"InternalError"}`)
	}
	writeRaw(w, status, b)
}

func writeRaw(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
