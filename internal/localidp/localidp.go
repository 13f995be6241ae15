// Package localidp is a loopback OIDC-style issuer for the local stack and the tests: it publishes
// a JSON Web Key Set (an RSA, a P-256 and an Ed25519 key) and mints tokens for any user name it is
// asked for, with no password. It signs with the standard library (not with the library the
// functions verify with), so the two check each other.
//
//	GET  /.well-known/openid-configuration   issuer, jwks_uri, token_endpoint
//	GET  /jwks.json                           the public keys
//	POST /token  (form: user=alice)           {"access_token":"<jwt>","token_type":"Bearer","expires_in":3600}
//	GET  /                                    a page that mints a token for a name
//
// It is a test double, never deployed: anyone who can reach it can be anyone.
package localidp

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"math/big"
	"net"
	"net/http"
	"sync"
	"time"
)

// DefaultAudience is the aud of minted tokens unless Options.Audience is set.
const DefaultAudience = "fc-oss-upload-local"

// Options configure an Issuer. Every field is optional.
type Options struct {
	// Addr is the listen address (default 127.0.0.1 on a free port).
	Addr string
	// Audience is the aud of minted tokens (default DefaultAudience).
	Audience string
	// Lifetime of minted tokens (default one hour).
	Lifetime time.Duration
	// Now is the clock of iat, nbf and exp (nil: the real one).
	Now func() time.Time
}

// Issuer is a running local issuer.
type Issuer struct {
	URL      string // the issuer (iss) and base URL
	JWKSURL  string
	TokenURL string
	Audience string

	lifetime time.Duration
	now      func() time.Time
	srv      *http.Server

	mu      sync.Mutex
	keys    []*key // published, in order; keys[current] signs Mint's tokens
	current int
	fetches int
}

// key is one signing key.
type key struct {
	kid  string
	alg  string
	priv crypto.Signer
}

// Start generates the keys and serves the issuer on loopback. Close it when done.
func Start(o Options) (*Issuer, error) {
	i := &Issuer{Audience: o.Audience, lifetime: o.Lifetime, now: o.Now}
	if i.Audience == "" {
		i.Audience = DefaultAudience
	}
	if i.lifetime <= 0 {
		i.lifetime = time.Hour
	}
	if i.now == nil {
		i.now = time.Now
	}
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	_, dk, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	i.keys = []*key{{kid: "rsa-1", alg: "RS256", priv: rk}, {kid: "ec-1", alg: "ES256", priv: ek}, {kid: "ed-1", alg: "EdDSA", priv: dk}}
	addr := o.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	i.URL = "http://" + ln.Addr().String()
	i.JWKSURL = i.URL + "/jwks.json"
	i.TokenURL = i.URL + "/token"
	i.srv = &http.Server{Handler: i.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go i.srv.Serve(ln)
	return i, nil
}

// Close stops the server.
func (i *Issuer) Close() error { return i.srv.Close() }

// Fetches returns how many times the JWKS was fetched.
func (i *Issuer) Fetches() int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.fetches
}

// Rotate publishes a new RSA key and signs Mint's tokens with it from now on. With retire, the
// keys published before are withdrawn (tokens they signed stop verifying once verifiers refetch).
func (i *Issuer) Rotate(retire bool) (kid string, err error) {
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", err
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	k := &key{kid: fmt.Sprintf("rsa-%d", len(i.keys)+1), alg: "RS256", priv: rk}
	if retire {
		i.keys = nil
	}
	i.keys = append(i.keys, k)
	i.current = len(i.keys) - 1
	return k.kid, nil
}

// Claims returns the claims Mint puts in a token for user: iss, aud, sub, iat, nbf, exp.
func (i *Issuer) Claims(user string) map[string]any {
	now := i.now()
	return map[string]any{
		"iss": i.URL, "aud": i.Audience, "sub": user,
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(i.lifetime).Unix(),
	}
}

// Mint returns an RS256 token for user signed with the current key.
func (i *Issuer) Mint(user string) (string, error) {
	if user == "" {
		return "", errors.New("localidp: no user name")
	}
	return i.Sign("", i.Claims(user))
}

// Sign signs claims with the key kid ("" for the current RSA key), with that key's algorithm.
func (i *Issuer) Sign(kid string, claims map[string]any) (string, error) {
	i.mu.Lock()
	k := i.keys[i.current]
	if kid != "" {
		k = nil
		for _, c := range i.keys {
			if c.kid == kid {
				k = c
			}
		}
	}
	i.mu.Unlock()
	if k == nil {
		return "", fmt.Errorf("localidp: no key %q", kid)
	}
	return SignWith(k.priv, map[string]any{"alg": k.alg, "typ": "JWT", "kid": k.kid}, claims)
}

// SignWith signs a token with header and claims using priv: RS256 for an RSA key, ES256 for a
// P-256 key, EdDSA for an Ed25519 key, whatever header's alg says (tests use that to mislabel).
func SignWith(priv crypto.Signer, header, claims map[string]any) (string, error) {
	h, err := json.Marshal(header)
	if err != nil {
		return "", err
	}
	c, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	signed := b64(h) + "." + b64(c)
	sum := sha256.Sum256([]byte(signed))
	var sig []byte
	switch p := priv.(type) {
	case *rsa.PrivateKey:
		sig, err = rsa.SignPKCS1v15(rand.Reader, p, crypto.SHA256, sum[:])
	case *ecdsa.PrivateKey:
		var r, s *big.Int
		if r, s, err = ecdsa.Sign(rand.Reader, p, sum[:]); err == nil {
			sig = make([]byte, 64) // JWS: fixed-size big-endian r || s (RFC 7518 3.4)
			r.FillBytes(sig[:32])
			s.FillBytes(sig[32:])
		}
	case ed25519.PrivateKey:
		sig = ed25519.Sign(p, []byte(signed))
	default:
		return "", fmt.Errorf("localidp: unsupported key %T", priv)
	}
	if err != nil {
		return "", err
	}
	return signed + "." + b64(sig), nil
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// JWKS returns the published key set.
func (i *Issuer) JWKS() []byte {
	i.mu.Lock()
	defer i.mu.Unlock()
	return jwks(i.keys)
}

func jwks(keys []*key) []byte {
	var out []map[string]string
	for _, k := range keys {
		j := map[string]string{"kid": k.kid, "alg": k.alg, "use": "sig"}
		switch p := k.priv.Public().(type) {
		case *rsa.PublicKey:
			j["kty"], j["n"], j["e"] = "RSA", b64(p.N.Bytes()), b64(big.NewInt(int64(p.E)).Bytes())
		case *ecdsa.PublicKey:
			ecdhKey, _ := p.ECDH()
			raw := ecdhKey.Bytes() // 0x04 || X || Y
			j["kty"], j["crv"], j["x"], j["y"] = "EC", "P-256", b64(raw[1:33]), b64(raw[33:])
		case ed25519.PublicKey:
			j["kty"], j["crv"], j["x"] = "OKP", "Ed25519", b64(p)
		}
		out = append(out, j)
	}
	b, _ := json.Marshal(map[string]any{"keys": out})
	return b
}

// RSAPublicKey returns the public key of the first RSA key (for key-confusion tests).
func (i *Issuer) RSAPublicKey() *rsa.PublicKey {
	i.mu.Lock()
	defer i.mu.Unlock()
	for _, k := range i.keys {
		if p, ok := k.priv.Public().(*rsa.PublicKey); ok {
			return p
		}
	}
	return nil
}

// Handler serves the discovery document, the JWKS, the token endpoint and the page.
func (i *Issuer) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{
			"issuer": i.URL, "jwks_uri": i.JWKSURL, "token_endpoint": i.TokenURL,
			"id_token_signing_alg_values_supported": []string{"RS256", "ES256", "EdDSA"},
		})
	})
	mux.HandleFunc("GET /jwks.json", func(w http.ResponseWriter, r *http.Request) {
		i.mu.Lock()
		i.fetches++
		b := jwks(i.keys)
		i.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Write(b)
	})
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		// Any page may mint (the demo pages are on another origin): this issuer is for local use only.
		w.Header().Set("Access-Control-Allow-Origin", "*")
		if r.Method == http.MethodOptions {
			w.Header().Set("Access-Control-Allow-Methods", "POST")
			w.Header().Set("Access-Control-Allow-Headers", "Content-Type")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if r.Method != http.MethodPost {
			writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "invalid_request", "error_description": "POST user=<name>"})
			return
		}
		user := r.PostFormValue("user")
		tok, err := i.Mint(user)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "give a user name: user=<name>"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": int(i.lifetime.Seconds())})
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, page, html.EscapeString(i.URL), html.EscapeString(i.Audience))
	})
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

const page = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Local issuer</title></head>
<body><main><h1>Local issuer (test only)</h1>
<p>Issuer <code>%s</code>, audience <code>%s</code>. Mints a token for any name: never expose it.</p>
<form method="post" action="token"><label for="user">User name</label> <input id="user" name="user" required>
<button type="submit">Mint a token</button></form></main></body></html>
`
