package userauth

import (
	"encoding/json"
	"errors"

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
	var c claimSet // a map: encoding/json matches map keys exactly
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, err
	}
	if c == nil {
		return nil, errors.New("the claims are not a JSON object")
	}
	if members(payload) != len(c) {
		return nil, errDuplicateClaim // the map kept one value of each repeated name
	}
	return c, nil
}

// members counts the members of the JSON object b, which must be valid JSON: the commas outside
// strings at nesting depth one, plus one unless the object is empty.
func members(b []byte) int {
	n, depth, empty := 0, 0, true
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '"':
			for i++; i < len(b) && b[i] != '"'; i++ {
				if b[i] == '\\' {
					i++ // the escaped byte cannot end the string
				}
			}
			empty = false
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		case ',':
			if depth == 1 {
				n++
			}
		}
	}
	if empty {
		return 0
	}
	return n + 1
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
