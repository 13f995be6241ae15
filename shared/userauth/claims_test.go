package userauth

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// rawSigner signs payloads exactly as written, so a test can send claim names twice or in another
// case (a map cannot hold duplicates, and json.Marshal would not write them).
type rawSigner struct {
	kid  string
	priv ed25519.PrivateKey
	jwks []byte
}

func newRawSigner(t testing.TB) rawSigner { return newRawSignerKid(t, "ed") }

// newRawSignerKid is a signer whose key has the id kid.
func newRawSignerKid(t testing.TB, kid string) rawSigner {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	jwks, _ := json.Marshal(map[string]any{"keys": []map[string]string{{"kty": "OKP", "crv": "Ed25519", "kid": kid, "x": b64(pub)}}})
	return rawSigner{kid: kid, priv: priv, jwks: jwks}
}

func (s rawSigner) sign(payload string) string {
	signed := b64([]byte(`{"alg":"EdDSA","kid":"`+s.kid+`"}`)) + "." + b64([]byte(payload))
	return signed + "." + b64(ed25519.Sign(s.priv, []byte(signed)))
}

// TestClaimNamesAreExact: claim names are matched byte for byte (encoding/json's struct decoding
// matches them case-insensitively, so "EXP" once stood for exp), and a name given twice is refused
// (which of two values a decoder keeps is not something a signature should depend on).
func TestClaimNamesAreExact(t *testing.T) {
	t.Parallel()
	s := newRawSigner(t)
	clk := &clock{t: t0}
	const iss, aud = "https://idp.example", "app"
	past, future := t0.Unix()-3600, t0.Unix()+3600
	v, err := New(Options{JWKS: s.jwks, Issuer: iss, Audience: aud, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	email, err := New(Options{JWKS: s.jwks, Issuer: iss, Audience: aud, UserClaim: "email", Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	// base are valid claims without the one each case adds or varies.
	base := func(omit string) string {
		c := map[string]any{"iss": iss, "aud": aud, "sub": "alice", "exp": future}
		delete(c, omit)
		b, _ := json.Marshal(c)
		return strings.TrimSuffix(string(b), "}")
	}
	const dup = "the token's claims name one claim more than once"
	for name, c := range map[string]struct {
		v       *Verifier
		payload string
		reason  string
	}{
		"EXP in the future next to a past exp": {v, fmt.Sprintf(`%s,"exp":%d,"EXP":%d}`, base("exp"), past, future), "the token has expired"},
		"EXP before a past exp":                {v, fmt.Sprintf(`%s,"EXP":%d,"exp":%d}`, base("exp"), future, past), "the token has expired"},
		"only Exp":                             {v, fmt.Sprintf(`%s,"Exp":%d}`, base("exp"), future), "the token has no exp (expiry) claim"},
		"Aud next to another aud":              {v, base("aud") + `,"aud":"other","Aud":"app"}`, "the token is for another audience (aud)"},
		"only AUD":                             {v, base("aud") + `,"AUD":"app"}`, "the token is for another audience (aud)"},
		"Iss next to another iss":              {v, base("iss") + `,"iss":"https://evil.example","Iss":"` + iss + `"}`, "the token is from another issuer (iss)"},
		"NBF in the past after a future nbf":   {v, fmt.Sprintf(`%s,"nbf":%d,"NBF":0}`, base(""), future), "the token is not valid yet (nbf)"},
		"only Sub":                             {v, base("sub") + `,"Sub":"alice"}`, "the token's sub claim is missing, empty or not a string"},
		"only Email":                           {email, base("") + `,"Email":"a@x.com"}`, "the token's email claim is missing, empty or not a string"},
		"exp twice":                            {v, fmt.Sprintf(`%s,"exp":%d,"exp":%d}`, base("exp"), past, future), dup},
		"exp twice, once escaped":              {v, fmt.Sprintf(`%s,"exp":%d,"\u0065xp":%d}`, base("exp"), past, future), dup},
		"aud twice":                            {v, base("aud") + `,"aud":"other","aud":"app"}`, dup},
		"sub twice":                            {v, base("sub") + `,"sub":"bob","sub":"alice"}`, dup},
		"user claim twice":                     {email, base("") + `,"email":"a@x.com","email":"b@x.com"}`, dup},
		"an unread claim twice":                {v, base("") + `,"name":"a","name":"b"}`, dup},
		"data after the object":                {v, base("") + `} {}`, "the token's claims are not a JSON object"},
		"an array":                             {v, `[` + base("") + `}]`, "the token's claims are not a JSON object"},
	} {
		tok := s.sign(c.payload)
		if user, err := c.v.Verify(context.Background(), tok); err == nil || !strings.Contains(reason(err), c.reason) {
			t.Errorf("%s: %s: user %q, err %v; want refusal %q", name, c.payload, user, err, c.reason)
		}
	}

	// Names in another case are claims of their own, ignored; escapes are read as JSON says.
	for name, c := range map[string]struct {
		v       *Verifier
		payload string
		user    string
	}{
		"SUB next to sub":             {v, base("sub") + `,"SUB":"bob","sub":"alice"}`, "alice"},
		"EXP in the past":             {v, fmt.Sprintf(`%s,"EXP":%d}`, base(""), past), "alice"},
		"Email next to email":         {email, base("") + `,"Email":"b@x.com","email":"a@x.com"}`, "a@x.com"},
		"escaped exp":                 {v, fmt.Sprintf(`%s,"\u0065xp":%d}`, base("exp"), future), "alice"},
		"nested names repeated":       {v, base("") + `,"x":{"exp":1,"EXP":2}}`, "alice"},
		"whitespace around":           {v, " \n" + base("") + "}\n ", "alice"},
		"commas and quotes in values": {v, base("") + `,"x":[1,2,{"a":",","b":[3,4]}],"y":"a,\"b\",c\\","z\",":{}}`, "alice"},
	} {
		if user, err := c.v.Verify(context.Background(), s.sign(c.payload)); err != nil || user != c.user {
			t.Errorf("%s: %s: %q, %v; want %q", name, c.payload, user, err, c.user)
		}
	}
}

// FuzzClaimMembers: members counts an object's members as encoding/json's token stream does, so
// parseClaims refuses a payload exactly when it repeats a name.
func FuzzClaimMembers(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1}`, `{"a":1,"a":2}`, `{"a":[1,{"b":","}],"c":"\",\\"}`, ` {"\u0061":1,"a":2} `, `{"a":{"a":1,"a":2}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var m map[string]json.RawMessage
		if json.Unmarshal(b, &m) != nil || m == nil {
			return
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.Token() // {
		want := 0
		for dec.More() {
			var v json.RawMessage
			if _, err := dec.Token(); err != nil {
				t.Fatal(err)
			}
			if err := dec.Decode(&v); err != nil {
				t.Fatal(err)
			}
			want++
		}
		if got := members(b); got != want {
			t.Fatalf("members(%q) = %d, want %d", b, got, want)
		}
		if _, err := parseClaims(b); errors.Is(err, errDuplicateClaim) != (want != len(m)) {
			t.Fatalf("parseClaims(%q): %v with %d members and %d names", b, err, want, len(m))
		}
	})
}
