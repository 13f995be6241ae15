package osscallback

import (
	"crypto"
	"crypto/md5"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
)

// Errors of Verify and ParsePublicKey.
var (
	errNoSignature  = errors.New("osscallback: the request has no authorization header")
	errBadSignature = errors.New("osscallback: the signature does not match the request")
	ErrBadKey       = errors.New("osscallback: the public key is not an RSA key in PEM")
)

// stringToSign returns what OSS signs for a callback request: the URL-decoded path, the raw query
// with its "?" when there is one, "\n", and the body.
func stringToSign(rawPath, rawQuery string, body []byte) ([]byte, error) {
	p, err := url.PathUnescape(rawPath)
	if err != nil {
		return nil, fmt.Errorf("osscallback: path %q: %w", rawPath, err)
	}
	b := make([]byte, 0, len(p)+1+len(rawQuery)+1+len(body))
	b = append(b, p...)
	if rawQuery != "" {
		b = append(b, '?')
		b = append(b, rawQuery...)
	}
	b = append(b, '\n')
	return append(b, body...), nil
}

// Verify checks authorization (the header's value: base64 of the signature) against the request's
// raw path, raw query and body with OSS's key: RSA PKCS#1 v1.5 over the MD5 of stringToSign. A nil
// result means OSS (the holder of key) sent exactly this path, query and body.
func Verify(key *rsa.PublicKey, authorization, rawPath, rawQuery string, body []byte) error {
	if authorization == "" {
		return errNoSignature
	}
	sig, err := base64.StdEncoding.DecodeString(authorization)
	if err != nil {
		return fmt.Errorf("%w: authorization is not base64", errBadSignature)
	}
	msg, err := stringToSign(rawPath, rawQuery, body)
	if err != nil {
		return fmt.Errorf("%w: %v", errBadSignature, err)
	}
	sum := md5.Sum(msg)
	if err := rsa.VerifyPKCS1v15(key, crypto.MD5, sum[:], sig); err != nil {
		return fmt.Errorf("%w: %v", errBadSignature, err)
	}
	return nil
}

// ParsePublicKey reads an RSA public key from PEM: PKIX ("PUBLIC KEY", what OSS publishes) or
// PKCS#1 ("RSA PUBLIC KEY").
func ParsePublicKey(b []byte) (*rsa.PublicKey, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, ErrBadKey
	}
	switch block.Type {
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadKey, err)
		}
		if rk, ok := k.(*rsa.PublicKey); ok {
			return rk, nil
		}
	case "RSA PUBLIC KEY":
		k, err := x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadKey, err)
		}
		return k, nil
	}
	return nil, ErrBadKey
}
