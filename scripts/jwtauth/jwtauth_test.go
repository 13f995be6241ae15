package jwtauth

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http/httptest"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// rs256 mints a token the way an identity provider does, with the standard library only.
func rs256(t *testing.T, key *rsa.PrivateKey, kid string, claims map[string]any) string {
	h, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": kid})
	c, _ := json.Marshal(claims)
	signed := b64(h) + "." + b64(c)
	sum := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return signed + "." + b64(sig)
}

func setup(t *testing.T) (*rsa.PrivateKey, Config) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return key, Config{
		JWKS:        JWKS{Keys: []JWK{{Kty: "RSA", Kid: "k1", Alg: "RS256", N: b64(key.N.Bytes()), E: b64(big.NewInt(int64(key.E)).Bytes())}}},
		TokenLookup: "header:Authorization:Bearer ,cookie:jwt",
		ClaimPassBy: "header:sub:X-User-Id",
	}
}

func TestAuthorize(t *testing.T) {
	t.Parallel()
	key, cfg := setup(t)
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	auth, err := New(cfg, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	good := rs256(t, key, "k1", map[string]any{"sub": "alice", "exp": now.Add(time.Hour).Unix()})
	r := httptest.NewRequest("GET", "/x", nil)
	r.Header.Set("Authorization", "Bearer "+good)
	claims, err := auth(r)
	if err != nil || claims["X-User-Id"] != "alice" {
		t.Fatalf("good token: %v %v", claims, err)
	}
	r = httptest.NewRequest("GET", "/x", nil)
	r.Header.Set("Cookie", "jwt="+good)
	if claims, err := auth(r); err != nil || claims["X-User-Id"] != "alice" {
		t.Fatalf("cookie token: %v %v", claims, err)
	}
	bad := map[string]string{
		"none":        "",
		"expired":     rs256(t, key, "k1", map[string]any{"sub": "alice", "exp": now.Add(-time.Second).Unix()}),
		"not yet":     rs256(t, key, "k1", map[string]any{"sub": "alice", "nbf": now.Add(time.Minute).Unix()}),
		"foreign key": rs256(t, other, "k1", map[string]any{"sub": "alice"}),
		"tampered":    good[:len(good)-3] + "AAA",
		"garbage":     "a.b.c",
		"alg none":    b64([]byte(`{"alg":"none"}`)) + "." + b64([]byte(`{"sub":"mallory"}`)) + ".",
	}
	for name, tok := range bad {
		r := httptest.NewRequest("GET", "/x", nil)
		if tok != "" {
			r.Header.Set("Authorization", "Bearer "+tok)
		}
		if _, err := auth(r); !errors.Is(err, ErrUnauthorized) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	_, cfg := setup(t)
	for name, mutate := range map[string]func(*Config){
		"no keys":          func(c *Config) { c.JWKS.Keys = nil },
		"bad lookup":       func(c *Config) { c.TokenLookup = "body:x" },
		"bad claim passby": func(c *Config) { c.ClaimPassBy = "query:sub" },
	} {
		c := cfg
		mutate(&c)
		if _, err := New(c, nil); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}
