package fakests

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"math/big"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/internal/localcred"
)

const (
	timestampLayout  = "2006-01-02T15:04:05Z"
	timestampWindow  = 15 * time.Minute
	nonceMemory      = 2 * timestampWindow
	minDuration      = 900
	defaultDuration  = 3600
	maxFormBodyBytes = 64 << 10
	maxHang          = 5 * time.Minute
)

var sessionNameRE = regexp.MustCompile(`^[A-Za-z0-9_.@-]{2,64}$`)

// assumeRoleBody is the JSON body of a successful AssumeRole, as real STS writes it.
type assumeRoleBody struct {
	RequestID       string          `json:"RequestId"`
	AssumedRoleUser assumedRoleUser `json:"AssumedRoleUser"`
	Credentials     *credentials    `json:"Credentials,omitempty"`
}

type assumedRoleUser struct {
	Arn           string `json:"Arn"`
	AssumedRoleID string `json:"AssumedRoleId"`
}

type credentials struct {
	AccessKeyID     string `json:"AccessKeyId"`
	AccessKeySecret string `json:"AccessKeySecret,omitempty"`
	SecurityToken   string `json:"SecurityToken,omitempty"`
	Expiration      string `json:"Expiration,omitempty"`
}

// ServeHTTP answers one AssumeRole call; see the package doc for what it checks and issues.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	reqID := newRequestID()
	params, fromBody, perr := readParams(r)
	req := Request{
		AccessKeyID:     params["AccessKeyId"],
		RoleArn:         params["RoleArn"],
		RoleSessionName: params["RoleSessionName"],
		Policy:          params["Policy"],
		ExternalID:      params["ExternalId"],
		FromBody:        fromBody,
	}
	req.DurationSeconds, _ = strconv.ParseInt(params["DurationSeconds"], 10, 64)
	s.record(req)
	if s.throttled() {
		s.log.Info("sts call", slog.String("requestId", reqID), slog.String("outcome", CodeThrottlingUser+" (rate)"))
		writeThrottled(w, reqID)
		return
	}
	fault := s.nextFault()

	outcome := "client gone"
	defer func() {
		s.log.Info("sts call",
			slog.String("requestId", reqID),
			slog.String("action", params["Action"]),
			slog.String("accessKeyId", req.AccessKeyID),
			slog.String("roleArn", req.RoleArn),
			slog.String("roleSessionName", req.RoleSessionName),
			slog.String("outcome", outcome),
			slog.Int64("durationMs", time.Since(start).Milliseconds()))
	}()

	if !s.wait(r.Context(), s.pickDelay()) {
		return
	}
	switch fault {
	case FaultThrottling:
		outcome = CodeThrottlingUser
		writeError(w, reqID, newError(http.StatusBadRequest, CodeThrottlingUser, "Request was denied due to user flow control."))
		return
	case FaultInternalError:
		outcome = CodeInternalError
		writeError(w, reqID, newError(http.StatusInternalServerError, CodeInternalError,
			"The request processing has failed due to some unknown error, exception or failure."))
		return
	case FaultServiceUnavailable:
		outcome = CodeServiceUnavailable
		writeError(w, reqID, newError(http.StatusServiceUnavailable, CodeServiceUnavailable,
			"The request has failed due to a temporary failure of the server."))
		return
	case FaultHang:
		outcome = "hang"
		s.wait(r.Context(), maxHang)
		return
	case FaultMalformedJSON:
		outcome = "malformed"
		writeRaw(w, http.StatusOK, []byte(`{"RequestId":"`+reqID+`","Credentials":{"AccessKeyId":`))
		return
	case FaultMissingFields:
		outcome = "missing fields"
		writeJSON(w, http.StatusOK, assumeRoleBody{
			RequestID:       reqID,
			AssumedRoleUser: assumedRoleUser{Arn: req.RoleArn, AssumedRoleID: ""},
			Credentials:     &credentials{AccessKeyID: "STS." + randomString(24)},
		})
		return
	}

	if perr != nil {
		outcome = perr.Code
		writeError(w, reqID, perr)
		return
	}
	now := s.now().UTC()
	role, dur, aerr := s.check(r.Method, params, now)
	if aerr != nil {
		outcome = aerr.Code
		writeError(w, reqID, aerr)
		return
	}

	expiry := now.Add(time.Duration(dur) * time.Second)
	switch fault {
	case FaultExpiredCredentials:
		expiry = now.Add(-time.Second)
	case FaultExpiringCredentials:
		expiry = now.Add(s.expiring)
	}
	expiry = expiry.Truncate(time.Second)
	key := localcred.Key{
		AccessKeyID:     "STS." + randomString(24),
		AccessKeySecret: randomString(40),
		SecurityToken:   "CAIS" + randomToken(180),
		Expiration:      expiry,
	}
	// The key has the role's permissions narrowed by the session policy (localcred Key.Permits).
	if params["Policy"] != "" {
		key.Policy = []byte(params["Policy"])
	}
	if role.Policy != "" {
		key.IdentityPolicy = []byte(role.Policy)
	}
	s.reg.Put(key)
	s.recordSuccess()
	outcome = codeOK
	session := params["RoleSessionName"]
	writeJSON(w, http.StatusOK, assumeRoleBody{
		RequestID: reqID,
		AssumedRoleUser: assumedRoleUser{
			Arn:           params["RoleArn"] + "/" + session,
			AssumedRoleID: roleID(params["RoleArn"]) + ":" + session,
		},
		Credentials: &credentials{
			AccessKeyID:     key.AccessKeyID,
			AccessKeySecret: key.AccessKeySecret,
			SecurityToken:   key.SecurityToken,
			Expiration:      expiry.Format(timestampLayout),
		},
	})
}

// check runs the validations of the package doc in order and returns the role and the duration in
// seconds to issue.
func (s *Server) check(method string, p map[string]string, now time.Time) (Role, int64, *apiError) {
	switch {
	case p["Action"] == "":
		return Role{}, 0, missing("Action")
	case p["Action"] != "AssumeRole":
		return Role{}, 0, newError(http.StatusNotFound, CodeInvalidAction, "Specified api is not found, please check your url and method.")
	case p["Version"] == "":
		return Role{}, 0, missing("Version")
	case p["Version"] != "2015-04-01":
		return Role{}, 0, newError(http.StatusBadRequest, CodeInvalidVersion, "Specified parameter Version is not valid.")
	case p["Format"] != "" && !strings.EqualFold(p["Format"], "JSON"):
		return Role{}, 0, newError(http.StatusBadRequest, CodeInvalidFormat, "This fake STS only answers Format=JSON.")
	}
	for _, name := range []string{"Signature", "SignatureMethod", "SignatureVersion", "SignatureNonce"} {
		if p[name] == "" {
			return Role{}, 0, newError(http.StatusBadRequest, CodeIncompleteSignature, msgIncompleteSignature+" Missing "+name+".")
		}
	}
	if p["SignatureMethod"] != "HMAC-SHA1" || p["SignatureVersion"] != "1.0" {
		return Role{}, 0, newError(http.StatusBadRequest, CodeIncompleteSignature,
			msgIncompleteSignature+" SignatureMethod must be HMAC-SHA1 and SignatureVersion 1.0.")
	}
	if p["AccessKeyId"] == "" {
		return Role{}, 0, missing("AccessKeyId")
	}
	if p["Timestamp"] == "" {
		return Role{}, 0, missing("Timestamp")
	}
	ts, err := time.Parse(timestampLayout, p["Timestamp"])
	if err != nil {
		return Role{}, 0, newError(http.StatusBadRequest, CodeInvalidTimeStampFormat, "Specified time stamp or date value is not well formatted.")
	}
	if d := now.Sub(ts); d > timestampWindow || d < -timestampWindow {
		return Role{}, 0, newError(http.StatusBadRequest, CodeInvalidTimeStampExpired, "Specified time stamp or date value is expired.")
	}
	caller, ok := s.reg.Lookup(p["AccessKeyId"])
	if !ok {
		return Role{}, 0, newError(http.StatusNotFound, CodeInvalidAccessKeyNotFound, msgInvalidAccessKeyNotFound)
	}
	if !signatureMatches(method, p, caller.AccessKeySecret, p["Signature"]) {
		return Role{}, 0, newError(http.StatusBadRequest, CodeSignatureDoesNotMatch, msgSignatureDoesNotMatch)
	}
	if !s.useNonce(p["SignatureNonce"], now) {
		return Role{}, 0, newError(http.StatusBadRequest, CodeSignatureNonceUsed, "Specified signature nonce was used already.")
	}
	if aerr := checkCallerToken(caller, p["SecurityToken"], now); aerr != nil {
		return Role{}, 0, aerr
	}

	arn := p["RoleArn"]
	if arn == "" {
		return Role{}, 0, missing("RoleArn")
	}
	role, ok := s.roles[arn]
	if !ok {
		return Role{}, 0, newError(http.StatusNotFound, CodeEntityNotExistRole, "The role not exists: "+arn+".")
	}
	if len(role.Principals) > 0 && !contains(role.Principals, caller.AccessKeyID) {
		return Role{}, 0, newError(http.StatusForbidden, CodeNoPermission, msgNoPermission)
	}
	// The caller's own policies must allow sts:AssumeRole on the role too, besides the role trusting
	// it (https://www.alibabacloud.com/help/en/resource-access-management/latest/policy-evaluation-process-of-assuming-a-ram-role).
	if ok, _ := caller.Permits("sts:AssumeRole", arn); !ok {
		return Role{}, 0, newError(http.StatusForbidden, CodeNoPermission, msgNoPermission)
	}
	if p["RoleSessionName"] == "" {
		return Role{}, 0, missing("RoleSessionName")
	}
	if !sessionNameRE.MatchString(p["RoleSessionName"]) {
		return Role{}, 0, newError(http.StatusBadRequest, CodeInvalidRoleSessionName, "The parameter RoleSessionName is wrongly formed.")
	}
	dur := int64(defaultDuration)
	maxDur := int64(s.maxDur / time.Second)
	if v, ok := p["DurationSeconds"]; ok {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < minDuration || n > maxDur {
			return Role{}, 0, newError(http.StatusBadRequest, CodeInvalidDurationSeconds,
				fmt.Sprintf("The Min/Max value of DurationSeconds is %ds/%ds.", minDuration, maxDur))
		}
		dur = n
	} else if dur > maxDur {
		dur = maxDur
	}
	if pol := p["Policy"]; pol != "" {
		if err := checkPolicy(pol); err != nil {
			return Role{}, 0, newError(http.StatusBadRequest, CodeInvalidPolicyGrammar, msgInvalidPolicyGrammarPrefix+err.Error())
		}
	}
	return role, dur, nil
}

// checkCallerToken applies the temporary-key rules to the caller key.
func checkCallerToken(k localcred.Key, token string, now time.Time) *apiError {
	switch {
	case k.SecurityToken == "" && token != "":
		return newError(http.StatusBadRequest, CodeSecurityTokenMismatch, "Specified SecurityToken mismatch with the AccessKey.")
	case k.SecurityToken != "" && token == "":
		return newError(http.StatusBadRequest, CodeMissingSecurityToken, "SecurityToken is mandatory for this action.")
	case k.SecurityToken != token:
		return newError(http.StatusBadRequest, CodeSecurityTokenMismatch, "Specified SecurityToken mismatch with the AccessKey.")
	case !k.Expiration.IsZero() && !now.Before(k.Expiration):
		if k.SecurityToken == "" {
			return newError(http.StatusBadRequest, "InvalidAccessKeyId.Inactive", "Specified access key is disabled.")
		}
		return newError(http.StatusBadRequest, CodeSecurityTokenExpired, "Specified SecurityToken is expired.")
	}
	return nil
}

// useNonce records a nonce and reports false when it was already used inside the replay window.
func (s *Server) useNonce(nonce string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for n, at := range s.nonces {
		if now.Sub(at) > nonceMemory {
			delete(s.nonces, n)
		}
	}
	if _, seen := s.nonces[nonce]; seen {
		return false
	}
	s.nonces[nonce] = now
	return true
}

// readParams merges the query string with an application/x-www-form-urlencoded body. The first value
// of a repeated parameter wins, and the query wins over the body.
func readParams(r *http.Request) (map[string]string, bool, *apiError) {
	params := map[string]string{}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return params, false, newError(http.StatusBadRequest, CodeIncompleteSignature, msgIncompleteSignature+" The query string is malformed.")
	}
	for k, v := range q {
		params[k] = v[0]
	}
	fromBody := false
	if r.Body != nil {
		defer discard(r.Body)
		ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if ct == "application/x-www-form-urlencoded" {
			b, err := io.ReadAll(io.LimitReader(r.Body, maxFormBodyBytes+1))
			if err != nil || len(b) > maxFormBodyBytes {
				return params, false, newError(http.StatusBadRequest, CodeIncompleteSignature, msgIncompleteSignature+" The form body is unreadable or too large.")
			}
			form, err := url.ParseQuery(string(b))
			if err != nil {
				return params, false, newError(http.StatusBadRequest, CodeIncompleteSignature, msgIncompleteSignature+" The form body is malformed.")
			}
			for k, v := range form {
				if _, dup := params[k]; !dup {
					params[k] = v[0]
					fromBody = true
				}
			}
		}
	}
	return params, fromBody, nil
}

func (s *Server) pickDelay() time.Duration {
	s.mu.Lock()
	d, j := s.delay, s.jitter
	s.mu.Unlock()
	if j > 0 {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(j)))
		if err == nil {
			d += time.Duration(n.Int64())
		}
	}
	return d
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// roleID derives a stable 17-digit role id from the ARN, like real STS's AssumedRoleId prefix.
func roleID(arn string) string {
	h := fnv.New64a()
	h.Write([]byte(arn))
	return fmt.Sprintf("3%016d", h.Sum64()%1e16)
}

// newRequestID returns an upper-case UUID-shaped id, as STS's RequestId.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := strings.ToUpper(hex.EncodeToString(b[:]))
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// randomString returns n random characters from [A-Za-z0-9].
func randomString(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// randomToken returns standard base64 of n random bytes: like real tokens it contains '+', '/' and
// possibly '=', which exercises the callers' URL encoding.
func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}
