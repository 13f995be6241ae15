package userauth

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"

	"github.com/go-jose/go-jose/v4/jwt"
)

// errDuplicateClaim is returned by parseClaims when a claim name appears twice.
var errDuplicateClaim = errors.New("a claim name appears more than once")

// claimSet is a token's claims by name. Names are exact: "exp" is exp, "EXP" and "Exp" are other
// claims (RFC 7519 section 4: claim names are case-sensitive). encoding/json's struct decoding
// matches field names case-insensitively, and keeps the last of two equal names, so claims are
// never decoded into a struct here.
type claimSet map[string]json.RawMessage

// parseClaims reads a JWT payload: a JSON object whose member names are all distinct (RFC 7519
// section 4 lets a parser refuse duplicates, and which of two values a decoder keeps must not
// decide what a signature means). Names are compared after JSON unescaping, so "\u0065xp" is exp.
// It returns errDuplicateClaim for a repeated name, another error for anything else.
func parseClaims(payload []byte) (claimSet, error) {
	dec := json.NewDecoder(bytes.NewReader(payload))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, errors.New("the claims are not a JSON object")
	}
	c := make(claimSet, 8)
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name, _ := t.(string) // inside an object, Token returns each name as a string
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		if _, dup := c[name]; dup {
			return nil, errDuplicateClaim
		}
		c[name] = v
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the claims object")
	}
	return c, nil
}

// registered returns the claims checked by every verification: iss, aud, exp, nbf and iat, each
// taken from the member of exactly that name (absent members stay zero).
func (c claimSet) registered() (jwt.Claims, error) {
	var std jwt.Claims
	err := errors.Join(
		c.decode("iss", &std.Issuer),
		c.decode("aud", &std.Audience),
		c.decode("exp", &std.Expiry),
		c.decode("nbf", &std.NotBefore),
		c.decode("iat", &std.IssuedAt),
	)
	return std, err
}

// decode reads the member name into v; an absent member leaves v as it is.
func (c claimSet) decode(name string, v any) error {
	raw, ok := c[name]
	if !ok {
		return nil
	}
	return json.Unmarshal(raw, v)
}
