// Package jwtauth emulates Function Compute's JWT authentication of HTTP triggers for the local stack:
// it takes the trigger's authConfig (jwks, tokenLookup, claimPassBy, in FC 3.0's compact string
// forms), verifies the token of each request against the JWKS (RS256 and HS256, with exp and nbf),
// and returns the claims to pass to the function as headers, as FC does. Requests without a valid
// token are refused before the function runs.
//
//	{"jwks":{"keys":[{"kty":"RSA","kid":"k1","alg":"RS256","n":"…","e":"AQAB"}]},
//	 "tokenLookup":"header:Authorization:Bearer ,cookie:jwt",
//	 "claimPassBy":"header:sub:X-User-Id"}
//
// It is a test double of the platform, never deployed.
package jwtauth

import (
	"crypto"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"time"
)

// Config is an HTTP trigger's authConfig for authType jwt.
type Config struct {
	JWKS        JWKS   `json:"jwks"`
	TokenLookup string `json:"tokenLookup"` // "<header|query|cookie>:<name>[:<prefix>]", comma-separated
	ClaimPassBy string `json:"claimPassBy"` // "header:<claim>:<header name>", comma-separated
}

// JWKS is a JSON Web Key Set.
type JWKS struct {
	Keys []JWK `json:"keys"`
}

// JWK is one key: RSA (n, e) or symmetric (k).
type JWK struct {
	Kty string `json:"kty"`
	Kid string `json:"kid,omitempty"`
	Alg string `json:"alg,omitempty"`
	N   string `json:"n,omitempty"`
	E   string `json:"e,omitempty"`
	K   string `json:"k,omitempty"`
}

// ErrUnauthorized is returned for a missing or invalid token.
var ErrUnauthorized = errors.New("jwtauth: missing or invalid token")

type lookup struct{ position, name, prefix string }
type passBy struct{ claim, header string }

// New returns an authoriser for requests: the claims to pass as headers, or ErrUnauthorized.
func New(cfg Config, now func() time.Time) (func(*http.Request) (map[string]string, error), error) {
	if now == nil {
		now = time.Now
	}
	if len(cfg.JWKS.Keys) == 0 {
		return nil, errors.New("jwtauth: jwks has no keys")
	}
	var lookups []lookup
	for _, part := range strings.Split(cfg.TokenLookup, ",") {
		f := strings.SplitN(strings.TrimLeft(part, " "), ":", 3)
		if len(f) < 2 || (f[0] != "header" && f[0] != "query" && f[0] != "cookie") {
			return nil, fmt.Errorf("jwtauth: tokenLookup %q: want <header|query|cookie>:<name>[:<prefix>]", part)
		}
		l := lookup{position: f[0], name: f[1]}
		if len(f) == 3 {
			l.prefix = f[2]
		}
		lookups = append(lookups, l)
	}
	var pass []passBy
	if cfg.ClaimPassBy != "" {
		for _, part := range strings.Split(cfg.ClaimPassBy, ",") {
			f := strings.Split(strings.TrimSpace(part), ":")
			if len(f) != 3 || f[0] != "header" {
				return nil, fmt.Errorf("jwtauth: claimPassBy %q: want header:<claim>:<header name>", part)
			}
			pass = append(pass, passBy{claim: f[1], header: f[2]})
		}
	}
	keys := cfg.JWKS.Keys
	return func(r *http.Request) (map[string]string, error) {
		tok := find(r, lookups)
		if tok == "" {
			return nil, fmt.Errorf("%w: no token in the request", ErrUnauthorized)
		}
		claims, err := verify(tok, keys, now())
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrUnauthorized, err)
		}
		out := map[string]string{}
		for _, p := range pass {
			switch v := claims[p.claim].(type) {
			case string:
				out[p.header] = v
			case float64, bool:
				out[p.header] = fmt.Sprint(v)
			}
		}
		return out, nil
	}, nil
}

func find(r *http.Request, lookups []lookup) string {
	for _, l := range lookups {
		var v string
		switch l.position {
		case "header":
			v = r.Header.Get(l.name)
		case "query":
			v = r.URL.Query().Get(l.name)
		case "cookie":
			if c, err := r.Cookie(l.name); err == nil {
				v = c.Value
			}
		}
		if v == "" || !strings.HasPrefix(v, l.prefix) {
			continue
		}
		if v = strings.TrimSpace(strings.TrimPrefix(v, l.prefix)); v != "" {
			return v
		}
	}
	return ""
}

func verify(tok string, keys []JWK, now time.Time) (map[string]any, error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil, errors.New("not a JWS compact token")
	}
	var header struct{ Alg, Kid string }
	if err := decodeJSON(parts[0], &header); err != nil {
		return nil, fmt.Errorf("header: %v", err)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, errors.New("signature is not base64url")
	}
	signed := parts[0] + "." + parts[1]
	ok := false
	for _, k := range keys {
		if header.Kid != "" && k.Kid != "" && k.Kid != header.Kid {
			continue
		}
		if k.Alg != "" && k.Alg != header.Alg {
			continue
		}
		if checkSignature(header.Alg, k, signed, sig) {
			ok = true
			break
		}
	}
	if !ok {
		return nil, fmt.Errorf("no key verifies the %s signature", header.Alg)
	}
	var claims map[string]any
	if err := decodeJSON(parts[1], &claims); err != nil {
		return nil, fmt.Errorf("claims: %v", err)
	}
	if exp, ok := claims["exp"].(float64); ok && !now.Before(time.Unix(int64(exp), 0)) {
		return nil, errors.New("token expired")
	}
	if nbf, ok := claims["nbf"].(float64); ok && now.Before(time.Unix(int64(nbf), 0)) {
		return nil, errors.New("token not valid yet")
	}
	return claims, nil
}

func checkSignature(alg string, k JWK, signed string, sig []byte) bool {
	sum := sha256.Sum256([]byte(signed))
	switch {
	case alg == "RS256" && k.Kty == "RSA":
		n, err1 := base64.RawURLEncoding.DecodeString(k.N)
		e, err2 := base64.RawURLEncoding.DecodeString(k.E)
		if err1 != nil || err2 != nil || len(e) == 0 || len(e) > 4 {
			return false
		}
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		return rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig) == nil
	case alg == "HS256" && k.Kty == "oct":
		secret, err := base64.RawURLEncoding.DecodeString(k.K)
		if err != nil {
			return false
		}
		m := hmac.New(sha256.New, secret)
		m.Write([]byte(signed))
		return hmac.Equal(m.Sum(nil), sig)
	}
	return false
}

func decodeJSON(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
