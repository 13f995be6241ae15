package localoss

import (
	"bytes"
	"context"
	"crypto"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"image"
	_ "image/gif" // image formats whose imageInfo OSS reports
	_ "image/jpeg"
	_ "image/png"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Upload callbacks, as OSS's "Callback" API reference describes them
// (https://help.aliyun.com/en/oss/developer-reference/callback): after PutObject, PostObject or
// CompleteMultipartUpload stores an object, OSS POSTs callbackBody to callbackUrl, signed with its
// RSA key (authorization: base64 of the PKCS#1 v1.5 MD5 signature of urldecode(path) + query +
// "\n" + body; x-oss-pub-key-url: base64 of the key's URL), waits 5 seconds, and relays a 200 JSON
// answer to the client; otherwise the client gets 203 CallbackFailed and the object stays stored.
// This server signs with a key of its own, served at CallbackKeyPath.

// CallbackKeyPath is where the server serves the public key of its callback signatures (PEM). The
// first path segment is not a valid bucket name, so it never shadows an object.
const CallbackKeyPath = "/_localoss/callback_pub_key_v1.pem"

// CodeCallbackFailed is the error code of an upload whose callback failed (status 203).
const CodeCallbackFailed = "CallbackFailed"

// callbackTimeout is how long OSS waits for a callback's answer.
const callbackTimeout = 5 * time.Second

// maxCallbackAnswer bounds the answer OSS relays (3 MB per the Callback reference).
const maxCallbackAnswer = 3 << 20

// callbackParam is the decoded callback parameter.
type callbackParam struct {
	URL      string `json:"callbackUrl"`
	Host     string `json:"callbackHost"`
	Body     string `json:"callbackBody"`
	BodyType string `json:"callbackBodyType"`
}

// callbackRequest is a parsed callback parameter with its custom variables.
type callbackRequest struct {
	param callbackParam
	vars  map[string]string
}

// parseCallback decodes the callback parameter and custom variables (base64 JSON each, or for
// PostObject the x: form fields in formVars). It is checked before the object is stored, as OSS
// refuses a malformed callback with InvalidArgument.
func parseCallback(param, varsParam string, formVars map[string]string) (*callbackRequest, *Error) {
	raw, err := base64.StdEncoding.DecodeString(param)
	if err != nil {
		return nil, errInvalidArgument("The callback configuration is not base64 encoded.")
	}
	var p callbackParam
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, errInvalidArgument("The callback configuration is not json format.")
	}
	if p.URL == "" {
		return nil, errInvalidArgument("The callbackUrl of the callback configuration is empty.")
	}
	if p.Body == "" {
		return nil, errInvalidArgument("The callbackBody of the callback configuration is empty.")
	}
	switch p.BodyType {
	case "":
		p.BodyType = "application/x-www-form-urlencoded"
	case "application/x-www-form-urlencoded", "application/json":
	default:
		return nil, errInvalidArgument("The callbackBodyType of the callback configuration is not supported.")
	}
	cb := &callbackRequest{param: p, vars: map[string]string{}}
	if varsParam != "" {
		raw, err := base64.StdEncoding.DecodeString(varsParam)
		if err != nil || json.Unmarshal(raw, &cb.vars) != nil {
			return nil, errInvalidArgument("The callback-var configuration is not json format.")
		}
	}
	for k, v := range formVars {
		cb.vars[k] = v
	}
	return cb, nil
}

// callbackFromRequest returns the callback a PutObject or CompleteMultipartUpload asks for: header
// x-oss-callback or query parameter callback (with x-oss-callback-var / callback-var); nil if none.
func callbackFromRequest(r *http.Request, q url.Values) (*callbackRequest, *Error) {
	param, vars := r.Header.Get("x-oss-callback"), r.Header.Get("x-oss-callback-var")
	if param == "" {
		param, vars = q.Get("callback"), q.Get("callback-var")
	}
	if param == "" {
		return nil, nil
	}
	return parseCallback(param, vars, nil)
}

// callbackFromForm returns the callback a PostObject form asks for (field callback, custom
// variables as x: fields); nil if none.
func callbackFromForm(fields map[string]string) (*callbackRequest, *Error) {
	if fields["callback"] == "" {
		return nil, nil
	}
	vars := map[string]string{}
	for k, v := range fields {
		if strings.HasPrefix(k, "x:") {
			vars[k] = v
		}
	}
	return parseCallback(fields["callback"], "", vars)
}

// callbackKey returns the server's signing key, made on first use.
func (s *Server) callbackKey() (*rsa.PrivateKey, error) {
	s.cbKeyOnce.Do(func() { s.cbKey, s.cbKeyErr = rsa.GenerateKey(rand.Reader, 1024) })
	return s.cbKey, s.cbKeyErr
}

// servePublicKey answers GET CallbackKeyPath.
func (s *Server) servePublicKey(w http.ResponseWriter) error {
	k, err := s.callbackKey()
	if err != nil {
		return err
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/x-pem-file")
	w.WriteHeader(http.StatusOK)
	_ = pem.Encode(w, &pem.Block{Type: "PUBLIC KEY", Bytes: der})
	return nil
}

var callbackVarRE = regexp.MustCompile(`\$\{([^}]*)\}`)

// systemVars returns OSS's system variables for a stored object.
func (s *Server) systemVars(bucket, key string, meta ObjectMeta) map[string]string {
	v := map[string]string{
		"bucket": bucket, "object": key, "etag": strings.Trim(meta.ETag, `"`), "size": strconv.FormatInt(meta.Size, 10),
		"mimeType": meta.ContentType, "crc64": strconv.FormatUint(meta.CRC64, 10),
		"imageInfo.height": "", "imageInfo.width": "", "imageInfo.format": "",
	}
	if f, _, err := s.store.open(bucket, key); err == nil {
		if cfg, format, err := image.DecodeConfig(f); err == nil {
			if format == "jpeg" {
				format = "jpg"
			}
			v["imageInfo.height"], v["imageInfo.width"], v["imageInfo.format"] = strconv.Itoa(cfg.Height), strconv.Itoa(cfg.Width), format
		}
		f.Close()
	}
	return v
}

// callbackBody substitutes the variables of the body template: URL-encoded for the form type,
// JSON values for application/json (numbers bare, other values as JSON strings).
func callbackBody(p callbackParam, vars map[string]string) string {
	numeric := map[string]bool{"size": true, "imageInfo.height": true, "imageInfo.width": true, "crc64": true}
	return callbackVarRE.ReplaceAllStringFunc(p.Body, func(m string) string {
		name := m[2 : len(m)-1]
		v := vars[name]
		if p.BodyType == "application/json" {
			if numeric[name] && v != "" {
				return v
			}
			b, _ := json.Marshal(v)
			return string(b)
		}
		return url.QueryEscape(v)
	})
}

// finishWithCallback performs the callback of a stored object and writes the client's answer:
// the callback's JSON with 200, or 203 CallbackFailed. The caller has set ETag and its other headers.
func (s *Server) finishWithCallback(w http.ResponseWriter, r *http.Request, c *call, cb *callbackRequest, meta ObjectMeta) error {
	vars := s.systemVars(c.bucket, c.key, meta)
	for k, v := range cb.vars {
		vars[k] = v
	}
	body := callbackBody(cb.param, vars)
	var lastErr string
	// Up to 5 URLs separated by ";", tried in turn until one succeeds.
	for _, u := range strings.Split(cb.param.URL, ";") {
		answer, msg := s.callOnce(r.Context(), r.Host, strings.TrimSpace(u), cb.param, body)
		if msg == "" {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", strconv.Itoa(len(answer)))
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write(answer)
			return nil
		}
		lastErr = msg
	}
	s.log.Warn("callback failed", "request_id", c.id, "bucket", c.bucket, "key", c.key, "reason", lastErr)
	writeError(w, newError(http.StatusNonAuthoritativeInfo, CodeCallbackFailed, lastErr), c.id, r.Host)
	return nil
}

// callOnce POSTs one callback and returns the answer, or a message saying why it failed.
func (s *Server) callOnce(ctx context.Context, ossHost, target string, p callbackParam, body string) ([]byte, string) {
	if !strings.Contains(target, "://") {
		target = "http://" + target
	}
	u, err := url.Parse(target)
	if err != nil || u.Host == "" {
		return nil, "The callbackUrl is invalid."
	}
	key, err := s.callbackKey()
	if err != nil {
		return nil, "Internal error: " + err.Error()
	}
	path, err := url.PathUnescape(u.EscapedPath())
	if err != nil {
		return nil, "The callbackUrl is invalid."
	}
	if path == "" {
		path = "/"
	}
	toSign := path
	if u.RawQuery != "" {
		toSign += "?" + u.RawQuery
	}
	sum := md5.Sum([]byte(toSign + "\n" + body))
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.MD5, sum[:])
	if err != nil {
		return nil, "Internal error: " + err.Error()
	}
	ctx, cancel := context.WithTimeout(ctx, callbackTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(body))
	if err != nil {
		return nil, "The callbackUrl is invalid."
	}
	req.Header.Set("Content-Type", p.BodyType)
	req.Header.Set("Authorization", base64.StdEncoding.EncodeToString(sig))
	req.Header.Set("x-oss-pub-key-url", base64.StdEncoding.EncodeToString([]byte("http://"+ossHost+CallbackKeyPath)))
	if p.Host != "" {
		req.Host = p.Host
	}
	client := s.callbackClient
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Sprintf("Error status : -1.%s", strings.TrimPrefix(err.Error(), "Post "))
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxCallbackAnswer+1))
	switch {
	case err != nil:
		return nil, "Error status : -1. reading the callback answer failed."
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Sprintf("Error status : %d.", resp.StatusCode)
	case len(answer) > maxCallbackAnswer:
		return nil, "Response body is too large."
	case !json.Valid(bytes.TrimSpace(answer)):
		return nil, "Response body is not valid json format."
	}
	return answer, ""
}
