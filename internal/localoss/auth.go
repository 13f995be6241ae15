package localoss

import (
	"crypto/hmac"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/internal/localcred"
)

const (
	// maxSkew is how far a signed request time may be from the server clock.
	maxSkew = 15 * time.Minute
	// maxV4Expires is the largest x-oss-expires a V4 presigned URL may carry, in seconds (7 days).
	maxV4Expires = 604800
)

// signedRequest is the part of an HTTP request that header and URL authentication look at.
type signedRequest struct {
	method string
	header http.Header
	host   string
	bucket string
	key    string
	query  url.Values
}

// authenticate checks the request's header or URL signature. It returns a nil key (and no
// error) for an anonymous request, one that carries no signature at all.
func (s *Server) authenticate(req signedRequest, now time.Time) (*localcred.Key, *Error) {
	authz := req.header.Get("Authorization")
	q := req.query
	hasV4Query := q.Has("x-oss-signature") || q.Has("x-oss-signature-version") || q.Has("x-oss-credential")
	hasV1Query := q.Has("OSSAccessKeyId") || q.Has("Signature")
	switch {
	case authz != "" && (hasV4Query || hasV1Query):
		return nil, errInvalidArgument("Authorization header and URL signature cannot both be specified.")
	case hasV4Query && hasV1Query:
		return nil, errInvalidArgument("V1 and V4 URL signature parameters cannot both be specified.")
	case strings.HasPrefix(authz, v4Algorithm+" "):
		return s.authV4Header(req, authz, now)
	case strings.HasPrefix(authz, "OSS "):
		return s.authV1Header(req, authz, now)
	case authz != "":
		return nil, errInvalidArgument("Authorization header is invalid.", ErrorField{"Authorization", authSchemeOf(authz)})
	case hasV4Query:
		return s.authV4Query(req, now)
	case hasV1Query:
		return s.authV1Query(req, now)
	}
	return nil, nil
}

// authSchemeOf returns the first word of an Authorization header, for error messages that must
// not echo the signature.
func authSchemeOf(authz string) string {
	scheme, _, _ := strings.Cut(authz, " ")
	return scheme
}

// resolveKey finds the AccessKey and checks its security token and expiry. token is the token the
// request carries ("" for none).
func (s *Server) resolveKey(ak, token string, now time.Time) (*localcred.Key, *Error) {
	k, ok := s.keys.Lookup(ak)
	if !ok {
		return nil, errInvalidAccessKeyID(ak)
	}
	switch {
	case k.SecurityToken != "" && token == "":
		// An STS AccessKey is unknown without its token.
		return nil, errInvalidAccessKeyID(ak)
	case k.SecurityToken != "" && !hmac.Equal([]byte(k.SecurityToken), []byte(token)),
		k.SecurityToken == "" && token != "":
		return nil, newError(http.StatusForbidden, CodeInvalidSecurityToken, "The security token you provided is invalid.")
	}
	if !k.Expiration.IsZero() && now.After(k.Expiration) {
		return nil, newError(http.StatusForbidden, CodeSecurityTokenExpired, "The security token you provided has expired.",
			ErrorField{"Expiration", ossTime(k.Expiration)}, ErrorField{"ServerTime", ossTime(now)})
	}
	return &k, nil
}

func checkSkew(t, now time.Time) *Error {
	if d := now.Sub(t); d > maxSkew || d < -maxSkew {
		return errSkewed(t, now)
	}
	return nil
}

func (s *Server) authV1Header(req signedRequest, authz string, now time.Time) (*localcred.Key, *Error) {
	ak, sig, ok := strings.Cut(strings.TrimPrefix(authz, "OSS "), ":")
	if !ok || ak == "" || sig == "" {
		return nil, errInvalidArgument("Authorization header is invalid.", ErrorField{"Authorization", "OSS"})
	}
	// Browsers cannot set Date, so ali-oss signs x-oss-date in its place; accept either.
	var dates []string
	if d := req.header.Get("Date"); d != "" {
		dates = append(dates, d)
	}
	if d := req.header.Get("x-oss-date"); d != "" && (len(dates) == 0 || d != dates[0]) {
		dates = append(dates, d)
	}
	if len(dates) == 0 {
		return nil, errAccessDenied("OSS authentication requires a valid Date.")
	}
	key, err := s.resolveKey(ak, req.header.Get("x-oss-security-token"), now)
	if err != nil {
		return nil, err
	}
	resource := v1CanonicalizedResource(req.bucket, req.key, req.query)
	var first string
	for i, d := range dates {
		sts := v1StringToSign(req.method, req.header, d, resource)
		if i == 0 {
			first = sts
		}
		if !hmac.Equal([]byte(v1Signature(key.AccessKeySecret, sts)), []byte(sig)) {
			continue
		}
		t, perr := http.ParseTime(d)
		if perr != nil {
			return nil, errAccessDenied("OSS authentication requires a valid Date.")
		}
		if err := checkSkew(t, now); err != nil {
			return nil, err
		}
		return key, nil
	}
	return nil, errSignatureV1(ak, sig, first)
}

func (s *Server) authV1Query(req signedRequest, now time.Time) (*localcred.Key, *Error) {
	q := req.query
	ak, expires, sig := q.Get("OSSAccessKeyId"), q.Get("Expires"), q.Get("Signature")
	if ak == "" || expires == "" || sig == "" {
		return nil, errInvalidArgument("OSSAccessKeyId, Expires and Signature must all be specified in a V1 signed URL.")
	}
	exp, perr := strconv.ParseInt(expires, 10, 64)
	if perr != nil || exp < 0 {
		return nil, errInvalidArgument("Expires is not a valid Unix time.", ErrorField{"Expires", expires})
	}
	if now.Unix() > exp {
		return nil, errExpired(time.Unix(exp, 0), now)
	}
	key, err := s.resolveKey(ak, q.Get("security-token"), now)
	if err != nil {
		return nil, err
	}
	sts := v1StringToSign(req.method, req.header, expires, v1CanonicalizedResource(req.bucket, req.key, q))
	if !hmac.Equal([]byte(v1Signature(key.AccessKeySecret, sts)), []byte(sig)) {
		return nil, errSignatureV1(ak, sig, sts)
	}
	return key, nil
}

// v4Auth is what a V4 header or URL signature declares.
type v4Auth struct {
	credential v4Credential
	datetime   string
	additional []string
	signature  string
	token      string
}

func (s *Server) authV4Header(req signedRequest, authz string, now time.Time) (*localcred.Key, *Error) {
	fields := map[string]string{}
	for _, f := range strings.Split(strings.TrimPrefix(authz, v4Algorithm+" "), ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(f), "=")
		fields[k] = v
	}
	cred, ok := parseV4Credential(fields["Credential"])
	if !ok || fields["Signature"] == "" {
		return nil, errInvalidArgument("Authorization header is invalid.", ErrorField{"Authorization", v4Algorithm})
	}
	// The signing time is x-oss-date; without it, the Date header, whose text is then signed
	// verbatim (what the OSS Go SDK v1 does).
	datetime := req.header.Get("x-oss-date")
	t, perr := time.Parse(v4DateTimeFormat, datetime)
	if datetime == "" {
		datetime = req.header.Get("Date")
		t, perr = http.ParseTime(datetime)
	}
	if perr != nil {
		return nil, errInvalidArgument("x-oss-date header is missing or invalid, expected yyyymmddTHHMMSSZ.")
	}
	a := v4Auth{credential: cred, datetime: datetime, signature: fields["Signature"],
		token: req.header.Get("x-oss-security-token")}
	if ah := fields["AdditionalHeaders"]; ah != "" {
		a.additional = v4AdditionalHeaders(strings.Split(ah, ";"), nil)
	}
	key, err := s.verifyV4(req, a, t, "Authorization header", now)
	if err != nil {
		return nil, err
	}
	if err := checkSkew(t, now); err != nil {
		return nil, err
	}
	return key, nil
}

func (s *Server) authV4Query(req signedRequest, now time.Time) (*localcred.Key, *Error) {
	q := req.query
	if v := q.Get("x-oss-signature-version"); v != v4Algorithm {
		return nil, errInvalidArgument("x-oss-signature-version must be "+v4Algorithm+".", ErrorField{"SignatureVersion", v})
	}
	for _, name := range []string{"x-oss-credential", "x-oss-date", "x-oss-expires", "x-oss-signature"} {
		if q.Get(name) == "" {
			return nil, errInvalidArgument("The V4 signed URL is missing " + name + ".")
		}
	}
	cred, ok := parseV4Credential(q.Get("x-oss-credential"))
	if !ok {
		return nil, errInvalidArgument("x-oss-credential is invalid, expected <AccessKeyId>/<yyyymmdd>/<region>/oss/aliyun_v4_request.")
	}
	datetime := q.Get("x-oss-date")
	t, perr := time.Parse(v4DateTimeFormat, datetime)
	if perr != nil {
		return nil, errInvalidArgument("x-oss-date is invalid, expected yyyymmddTHHMMSSZ.")
	}
	expires, perr := strconv.ParseInt(q.Get("x-oss-expires"), 10, 64)
	if perr != nil || expires < 1 || expires > maxV4Expires {
		return nil, errInvalidArgument(fmt.Sprintf("x-oss-expires must be an integer number of seconds from 1 to %d.", maxV4Expires))
	}
	if t.After(now.Add(maxSkew)) {
		return nil, errSkewed(t, now)
	}
	if end := t.Add(time.Duration(expires) * time.Second); now.After(end) {
		return nil, errExpired(end, now)
	}
	a := v4Auth{credential: cred, datetime: datetime, signature: q.Get("x-oss-signature"),
		token: q.Get("x-oss-security-token")}
	if ah := q.Get("x-oss-additional-headers"); ah != "" {
		a.additional = v4AdditionalHeaders(strings.Split(ah, ";"), nil)
	}
	return s.verifyV4(req, a, t, "x-oss-credential", now)
}

// checkV4Scope checks a credential scope against the signing time and the server's region.
// where names the place the credential came from, for messages.
func (s *Server) checkV4Scope(cred v4Credential, t time.Time, where string) *Error {
	switch {
	case cred.Date != t.UTC().Format(v4DateFormat):
		return newError(http.StatusForbidden, CodeSignatureDoesNotMatch,
			"Invalid signing date in "+where+": the scope date must be the date of x-oss-date.")
	case cred.Region != s.region:
		return newError(http.StatusForbidden, CodeSignatureDoesNotMatch,
			"Invalid signing region in "+where+".", ErrorField{"Region", cred.Region}, ErrorField{"ExpectedRegion", s.region})
	case cred.Product != v4Product:
		return newError(http.StatusForbidden, CodeSignatureDoesNotMatch, "Invalid signing product in "+where+".")
	}
	return nil
}

// verifyV4 checks the scope, resolves the key and recomputes the V4 header or URL signature.
func (s *Server) verifyV4(req signedRequest, a v4Auth, t time.Time, where string, now time.Time) (*localcred.Key, *Error) {
	if err := s.checkV4Scope(a.credential, t, where); err != nil {
		return nil, err
	}
	key, err := s.resolveKey(a.credential.AccessKeyID, a.token, now)
	if err != nil {
		return nil, err
	}
	// Every header the signature lists must be in the request: a signed Content-Length or
	// Content-Disposition cannot be dropped (https://help.aliyun.com/en/oss/user-guide/0002-00000077,
	// https://alibabacloud.com/help/en/oss/support/0002-00000078: "the additional headers in the signed
	// URL contain headers that do not exist in the request headers"). The pages give no code or
	// status; this server answers 403 AccessDenied with the EC, like OSS's other 0002 auth errors.
	for _, l := range a.additional {
		if l != "host" && req.header.Values(l) == nil {
			return nil, errAccessDenied("The additional headers in the signed request contain headers that do not exist in the request headers: "+l+".",
				ErrorField{"EC", "0002-00000078"})
		}
	}
	payloadHash := req.header.Get("x-oss-content-sha256")
	if payloadHash == "" {
		payloadHash = unsignedPayload
	}
	cr := v4CanonicalRequest(req.method, v4CanonicalURI(req.bucket, req.key), v4CanonicalQuery(req.query),
		v4CanonicalHeaders(req.header, req.host, a.additional), a.additional, payloadHash)
	c := a.credential
	sts := v4StringToSign(a.datetime, v4Scope(c.Date, c.Region, c.Product), cr)
	want := v4Signature(v4SigningKey(key.AccessKeySecret, c.Date, c.Region, c.Product), sts)
	if !hmac.Equal([]byte(want), []byte(a.signature)) {
		return nil, newError(http.StatusForbidden, CodeSignatureDoesNotMatch, signatureMismatchMessage,
			ErrorField{"OSSAccessKeyId", c.AccessKeyID},
			ErrorField{"CanonicalRequest", cr},
			ErrorField{"StringToSign", sts},
			ErrorField{"StringToSignBytes", hexBytes(sts)})
	}
	return key, nil
}

const signatureMismatchMessage = "The request signature we calculated does not match the signature you provided. Check your key and signing method."

func errSignatureV1(ak, provided, sts string) *Error {
	return newError(http.StatusForbidden, CodeSignatureDoesNotMatch, signatureMismatchMessage,
		ErrorField{"OSSAccessKeyId", ak},
		ErrorField{"SignatureProvided", provided},
		ErrorField{"StringToSign", sts},
		ErrorField{"StringToSignBytes", hexBytes(sts)})
}

// hexBytes renders s as OSS's StringToSignBytes: upper-case hex bytes separated by spaces.
func hexBytes(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%02X", s[i])
	}
	return b.String()
}

func hmacEqual(a, b string) bool { return hmac.Equal([]byte(a), []byte(b)) }
