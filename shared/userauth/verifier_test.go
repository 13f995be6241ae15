package userauth

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/internal/localidp"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

var t0 = time.Date(2026, 11, 23, 8, 30, 0, 0, time.UTC)

// setup starts a loopback issuer and a verifier of its tokens, both on the same fixed clock.
func setup(t *testing.T) (*localidp.Issuer, *Verifier, *clock) {
	t.Helper()
	clk := &clock{t: t0}
	idp, err := localidp.Start(localidp.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idp.Close() })
	v, err := New(Options{JWKSURL: idp.JWKSURL, Issuer: idp.URL, Audience: idp.Audience, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return idp, v, clk
}

func sign(t *testing.T, idp *localidp.Issuer, kid string, edit func(map[string]any)) string {
	t.Helper()
	c := idp.Claims("alice")
	if edit != nil {
		edit(c)
	}
	tok, err := idp.Sign(kid, c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func reason(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

func TestVerifyAcceptsEachAlgorithm(t *testing.T) {
	t.Parallel()
	idp, v, _ := setup(t)
	for _, kid := range []string{"rsa-1", "ec-1", "ed-1"} {
		user, err := v.Verify(context.Background(), sign(t, idp, kid, nil))
		if err != nil || user != "alice" {
			t.Errorf("%s: %q, %v", kid, user, err)
		}
	}
	if idp.Fetches() != 1 {
		t.Errorf("JWKS fetched %d times, want once", idp.Fetches())
	}
}

func TestVerifyRefuses(t *testing.T) {
	t.Parallel()
	idp, v, _ := setup(t)
	now := t0.Unix()
	good := sign(t, idp, "", nil)
	parts := strings.Split(good, ".")

	// Key confusion: an HS256 token whose HMAC secret is the issuer's RSA public key, as PEM and DER.
	der, _ := x509.MarshalPKIXPublicKey(idp.RSAPublicKey())
	hmacWith := func(secret []byte) string {
		h := b64([]byte(`{"alg":"HS256","typ":"JWT","kid":"rsa-1"}`))
		m := hmac.New(sha256.New, secret)
		m.Write([]byte(h + "." + parts[1]))
		return h + "." + parts[1] + "." + b64(m.Sum(nil))
	}
	var claims map[string]any
	raw, _ := base64.RawURLEncoding.DecodeString(parts[1])
	json.Unmarshal(raw, &claims)
	claims["sub"] = "bob"
	tampered, _ := json.Marshal(claims)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	strange, _ := localidp.SignWith(ecKey, map[string]any{"alg": "ES256", "kid": "ec-1"}, idp.Claims("alice"))
	mislabelled, _ := localidp.SignWith(ecKey, map[string]any{"alg": "RS256", "kid": "ec-1"}, idp.Claims("alice"))

	cases := map[string]struct {
		tok, reason string
	}{
		"expired beyond the skew":  {sign(t, idp, "", func(c map[string]any) { c["exp"] = now - 61 }), "the token has expired"},
		"nbf beyond the skew":      {sign(t, idp, "", func(c map[string]any) { c["nbf"] = now + 61 }), "the token is not valid yet (nbf)"},
		"iat in the future":        {sign(t, idp, "", func(c map[string]any) { c["iat"] = now + 61 }), "the token is issued in the future (iat)"},
		"no exp":                   {sign(t, idp, "", func(c map[string]any) { delete(c, "exp") }), "the token has no exp (expiry) claim"},
		"exp not a number":         {sign(t, idp, "", func(c map[string]any) { c["exp"] = "tomorrow" }), "the token's claims are not a JSON object with valid iss, aud, exp, nbf and iat"},
		"wrong iss":                {sign(t, idp, "", func(c map[string]any) { c["iss"] = "https://evil.example" }), "the token is from another issuer (iss)"},
		"no iss":                   {sign(t, idp, "", func(c map[string]any) { delete(c, "iss") }), "the token is from another issuer (iss)"},
		"wrong aud":                {sign(t, idp, "", func(c map[string]any) { c["aud"] = []string{"other-app"} }), "the token is for another audience (aud)"},
		"no aud":                   {sign(t, idp, "", func(c map[string]any) { delete(c, "aud") }), "the token is for another audience (aud)"},
		"alg none":                 {b64([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + ".", "not a JWT"},
		"alg none with signature":  {b64([]byte(`{"alg":"none","kid":"rsa-1"}`)) + "." + parts[1] + "." + parts[2], "not a JWT"},
		"HS256 with the PEM key":   {hmacWith(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), "not a JWT"},
		"HS256 with the DER key":   {hmacWith(der), "not a JWT"},
		"tampered payload":         {parts[0] + "." + b64(tampered) + "." + parts[2], "the token's signature is not valid"},
		"signature of another key": {strange, "the token's signature is not valid"},
		"RS256 label on an EC key": {mislabelled, "does not fit"},
		"ES256 label on RSA key":   {b64([]byte(`{"alg":"ES256","kid":"rsa-1"}`)) + "." + parts[1] + "." + parts[2], "does not fit"},
		"missing user claim":       {sign(t, idp, "", func(c map[string]any) { delete(c, "sub") }), "the token's sub claim is missing, empty or not a string"},
		"empty user claim":         {sign(t, idp, "", func(c map[string]any) { c["sub"] = "" }), "the token's sub claim is missing, empty or not a string"},
		"numeric user claim":       {sign(t, idp, "", func(c map[string]any) { c["sub"] = 42 }), "the token's sub claim is missing, empty or not a string"},
		"null user claim":          {sign(t, idp, "", func(c map[string]any) { c["sub"] = nil }), "the token's sub claim is missing, empty or not a string"},
		"array user claim":         {sign(t, idp, "", func(c map[string]any) { c["sub"] = []string{"alice"} }), "the token's sub claim is missing, empty or not a string"},
		"garbage":                  {"not.a.jwt", "not a JWT"},
		"two signatures (JSON)":    {`{"payload":"` + parts[1] + `","signatures":[]}`, "not a JWT"},
	}
	for name, c := range cases {
		user, err := v.Verify(context.Background(), c.tok)
		if err == nil || !strings.Contains(reason(err), c.reason) {
			t.Errorf("%s: user %q, err %v; want refusal %q", name, user, err, c.reason)
		}
		var e *Error
		if errors.As(err, &e) && e.Unavailable {
			t.Errorf("%s: refused as unavailable", name)
		}
	}

	// Within the 60 s skew, and aud as a list holding the audience: accepted.
	for name, edit := range map[string]func(map[string]any){
		"expired 59 s ago":     func(c map[string]any) { c["exp"] = now - 59 },
		"nbf in 59 s":          func(c map[string]any) { c["nbf"] = now + 59 },
		"aud list":             func(c map[string]any) { c["aud"] = []string{"other", idp.Audience} },
		"no nbf or iat":        func(c map[string]any) { delete(c, "nbf"); delete(c, "iat") },
		"unicode user":         func(c map[string]any) { c["sub"] = "张三" },
		"user with separators": func(c map[string]any) { c["sub"] = "../../x/*" },
	} {
		c := idp.Claims("alice")
		edit(c)
		tok, _ := idp.Sign("", c)
		if user, err := v.Verify(context.Background(), tok); err != nil || user != c["sub"] {
			t.Errorf("%s: %q, %v", name, user, err)
		}
	}
}

func TestUserClaim(t *testing.T) {
	t.Parallel()
	idp, _, clk := setup(t)
	v, err := New(Options{JWKS: idp.JWKS(), Issuer: idp.URL, Audience: idp.Audience, UserClaim: "email", Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	tok := sign(t, idp, "", func(c map[string]any) { c["email"] = "a+b@x.com" })
	if user, err := v.Verify(context.Background(), tok); err != nil || user != "a+b@x.com" {
		t.Errorf("%q, %v", user, err)
	}
	if _, err := v.Verify(context.Background(), sign(t, idp, "", nil)); !strings.Contains(reason(err), "email claim is missing") {
		t.Errorf("no email claim: %v", err)
	}
	if idp.Fetches() != 0 {
		t.Errorf("an inline JWKS was fetched")
	}
}

// TestUnknownKidIsRateLimited: a flood of tokens naming key ids the issuer never published costs
// the issuer one fetch per refetch interval, not one per token.
func TestUnknownKidIsRateLimited(t *testing.T) {
	t.Parallel()
	idp, v, clk := setup(t)
	if _, err := v.Verify(context.Background(), sign(t, idp, "", nil)); err != nil {
		t.Fatal(err)
	}
	forge := func(kid string) string {
		tok := sign(t, idp, "", nil)
		return b64([]byte(`{"alg":"RS256","kid":"`+kid+`"}`)) + tok[strings.IndexByte(tok, '.'):]
	}
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := v.Verify(context.Background(), forge("bogus-"+string(rune('a'+i%26)))); !strings.Contains(reason(err), "key id is not in") {
				t.Errorf("unknown kid: %v", err)
			}
		}()
	}
	wg.Wait()
	if n := idp.Fetches(); n != 1 {
		t.Errorf("JWKS fetched %d times for 200 unknown kids within the interval of the first fetch, want 1", n)
	}
	clk.Add(refetchInterval)
	for range 50 {
		v.Verify(context.Background(), forge("bogus"))
	}
	if n := idp.Fetches(); n != 2 {
		t.Errorf("JWKS fetched %d times for 50 unknown kids after one more interval, want 2", n)
	}
}

// TestKeyRotation: tokens signed with a key published after the set was cached verify (the unknown
// kid triggers a refetch); once the old key is withdrawn and the set refetched, its tokens do not.
func TestKeyRotation(t *testing.T) {
	t.Parallel()
	idp, v, clk := setup(t)
	old := sign(t, idp, "", nil)
	if _, err := v.Verify(context.Background(), old); err != nil {
		t.Fatal(err)
	}
	kid, err := idp.Rotate(true)
	if err != nil {
		t.Fatal(err)
	}
	clk.Add(refetchInterval)
	if user, err := v.Verify(context.Background(), sign(t, idp, kid, nil)); err != nil || user != "alice" {
		t.Fatalf("new key %s: %q, %v", kid, user, err)
	}
	if _, err := v.Verify(context.Background(), old); !strings.Contains(reason(err), "key id is not in") {
		t.Errorf("withdrawn key still verifies: %v", err)
	}
	if idp.Fetches() != 2 {
		t.Errorf("fetches %d, want 2", idp.Fetches())
	}
	// The set is refetched when older than its TTL, even for known key ids (in the background: the
	// request is answered with the set held).
	clk.Add(keysTTL)
	v.Verify(context.Background(), sign(t, idp, kid, nil))
	settle(v)
	if idp.Fetches() != 3 {
		t.Errorf("fetches %d after the TTL, want 3", idp.Fetches())
	}
}

// TestIssuerDown: without keys the verifier answers unavailable (the caller is not at fault); with
// keys cached, a failing refetch keeps them.
func TestIssuerDown(t *testing.T) {
	t.Parallel()
	idp, _, clk := setup(t)
	var fail sync.Mutex
	down := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fail.Lock()
		defer fail.Unlock()
		if down {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		w.Write(idp.JWKS())
	}))
	defer srv.Close()
	v, err := New(Options{JWKSURL: srv.URL, Issuer: idp.URL, Audience: idp.Audience, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	var e *Error
	if _, err := v.Verify(context.Background(), sign(t, idp, "", nil)); !errors.As(err, &e) || !e.Unavailable {
		t.Fatalf("issuer down, no keys: %v", err)
	}
	fail.Lock()
	down = false
	fail.Unlock()
	if _, err := v.Verify(context.Background(), sign(t, idp, "", nil)); !errors.As(err, &e) || !e.Unavailable {
		t.Fatalf("within the refetch interval the verifier must not fetch again: %v", err)
	}
	clk.Add(refetchInterval)
	if _, err := v.Verify(context.Background(), sign(t, idp, "", nil)); err != nil {
		t.Fatalf("issuer back: %v", err)
	}
	fail.Lock()
	down = true
	fail.Unlock()
	clk.Add(keysTTL)
	if _, err := v.Verify(context.Background(), sign(t, idp, "", nil)); err != nil {
		t.Fatalf("cached keys must survive a failed refetch: %v", err)
	}
	settle(v)
	if _, err := v.Verify(context.Background(), sign(t, idp, "", nil)); err != nil {
		t.Fatalf("cached keys must survive a failed refetch: %v", err)
	}
}

func TestBearer(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		headers []string
		tok     string
		noToken bool
	}{
		{nil, "", true},
		{[]string{"Bearer abc.def.ghi"}, "abc.def.ghi", false},
		{[]string{"bearer  abc.def.ghi "}, "abc.def.ghi", false},
		{[]string{"Bearer "}, "", true},
		{[]string{"Basic dXNlcjpwdw=="}, "", false},
		{[]string{"Bearer a", "Bearer b"}, "", false},
		{[]string{"Bearer " + strings.Repeat("a", maxTokenBytes+1)}, "", false},
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		for _, h := range c.headers {
			r.Header.Add("Authorization", h)
		}
		tok, err := Bearer(r)
		if tok != c.tok || (err == nil) != (c.tok != "") || errors.Is(err, ErrNoToken) != c.noToken {
			t.Errorf("%q: %q, %v", c.headers, tok, err)
		}
	}
}

func TestNewChecksOptions(t *testing.T) {
	t.Parallel()
	for name, o := range map[string]Options{
		"nothing":       {},
		"both sources":  {JWKSURL: "https://a.example/jwks", JWKS: []byte(`{"keys":[]}`), Issuer: "i", Audience: "a"},
		"no issuer":     {JWKSURL: "https://a.example/jwks", Audience: "a"},
		"no audience":   {JWKSURL: "https://a.example/jwks", Issuer: "i"},
		"http url":      {JWKSURL: "http://a.example/jwks", Issuer: "i", Audience: "a"},
		"not a url":     {JWKSURL: "jwks.json", Issuer: "i", Audience: "a"},
		"empty jwks":    {JWKS: []byte(`{"keys":[]}`), Issuer: "i", Audience: "a"},
		"hmac key only": {JWKS: []byte(`{"keys":[{"kty":"oct","k":"c2VjcmV0","alg":"HS256"}]}`), Issuer: "i", Audience: "a"},
		"not json":      {JWKS: []byte(`keys`), Issuer: "i", Audience: "a"},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	for _, u := range []string{"https://a.example/jwks", "http://127.0.0.1:9/jwks.json", "http://localhost/jwks"} {
		if err := CheckJWKSURL(u); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
}

// TestTokenWithoutKid: a token without kid is checked against the keys that fit its algorithm, at
// most maxKeysWithoutKid of them.
func TestTokenWithoutKid(t *testing.T) {
	t.Parallel()
	clk := &clock{t: t0}
	var keys []map[string]string
	var privs []ed25519.PrivateKey
	for range maxKeysWithoutKid + 1 {
		pub, priv, _ := ed25519.GenerateKey(rand.Reader)
		privs = append(privs, priv)
		keys = append(keys, map[string]string{"kty": "OKP", "crv": "Ed25519", "x": b64(pub)})
	}
	claims := map[string]any{"iss": "https://idp.example", "aud": "app", "sub": "alice", "exp": t0.Unix() + 60}
	tok, _ := localidp.SignWith(privs[maxKeysWithoutKid-1], map[string]any{"alg": "EdDSA"}, claims)
	for n, ok := range map[int]bool{maxKeysWithoutKid: true, maxKeysWithoutKid + 1: false} {
		jwks, _ := json.Marshal(map[string]any{"keys": keys[:n]})
		v, err := New(Options{JWKS: jwks, Issuer: "https://idp.example", Audience: "app", Now: clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		if user, err := v.Verify(context.Background(), tok); (err == nil) != ok || (ok && user != "alice") {
			t.Errorf("%d keys: %q, %v", n, user, err)
		}
	}
}

// TestJWKSRedirectRefused: the key set is read from the configured URL only. A redirect (to
// another host, or from https down to http) is a failed fetch, so no one who can make the issuer's
// URL redirect chooses the keys; the verifier answers unavailable.
func TestJWKSRedirectRefused(t *testing.T) {
	t.Parallel()
	idp, _, clk := setup(t)
	var followed atomic.Int32
	keys := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { followed.Add(1); w.Write(idp.JWKS()) }))
	defer keys.Close()
	redirect := func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, keys.URL+"/jwks.json", http.StatusFound)
	}
	plain := httptest.NewServer(http.HandlerFunc(redirect))
	defer plain.Close()
	secure := httptest.NewTLSServer(http.HandlerFunc(redirect)) // https to http: a downgrade
	defer secure.Close()
	for name, o := range map[string]Options{
		"http to http":  {JWKSURL: plain.URL + "/jwks.json"},
		"https to http": {JWKSURL: secure.URL + "/jwks.json", Client: secure.Client()},
	} {
		o.Issuer, o.Audience, o.Now = idp.URL, idp.Audience, clk.Now
		v, err := New(o)
		if err != nil {
			t.Fatal(err)
		}
		var e *Error
		if user, err := v.Verify(context.Background(), sign(t, idp, "", nil)); !errors.As(err, &e) || !e.Unavailable || !strings.Contains(err.Error(), "redirect") {
			t.Errorf("%s: %q, %v; want unavailable (a redirect is not followed)", name, user, err)
		}
	}
	if n := followed.Load(); n != 0 {
		t.Errorf("a redirect was followed %d times", n)
	}
}
