package userauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// leeway is the clock skew allowed on exp, nbf and iat.
const leeway = 60 * time.Second

// maxTokenBytes bounds the bearer token read from a request.
const maxTokenBytes = 8 << 10

// maxKeysWithoutKid is how many keys a token without a kid may be checked against.
const maxKeysWithoutKid = 3

// defaultUserClaim is the claim that names the user when Options.UserClaim is empty.
const defaultUserClaim = "sub"

// Algorithms are the signature algorithms accepted; "none" and HMAC ones never are.
var Algorithms = []jose.SignatureAlgorithm{
	jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512,
	jose.ES256, jose.ES384, jose.ES512, jose.EdDSA,
}

// Options configure a Verifier. Exactly one of JWKSURL and JWKS is required, and Issuer and
// Audience are.
type Options struct {
	// JWKSURL is where the provider publishes its JSON Web Key Set (https, or http on loopback).
	JWKSURL string
	// JWKS is the key set itself, for providers whose keys are configured by hand.
	JWKS []byte
	// Issuer must equal the token's iss. Required.
	Issuer string
	// Audience must be one of the token's aud. Required.
	Audience string
	// UserClaim names the claim that identifies the user (default "sub"); it must be a non-empty
	// string.
	UserClaim string
	// Client fetches the key set (default: an http.Client with defaultFetchTimeout). Redirects are
	// never followed, whatever its CheckRedirect: a 3xx answer is a failed fetch.
	Client *http.Client
	// Now is the clock (nil: the real one).
	Now func() time.Time
}

// Verifier checks bearer tokens. It is safe for concurrent use; build it once at start-up (it
// fetches nothing until the first token arrives).
type Verifier struct {
	issuer, audience, claim string
	now                     func() time.Time
	src                     keySource
}

// New checks o and returns a Verifier.
func New(o Options) (*Verifier, error) {
	var errs []error
	if (o.JWKSURL == "") == (len(o.JWKS) == 0) {
		errs = append(errs, errors.New("give exactly one of a JWKS URL and an inline JWKS"))
	}
	if o.Issuer == "" {
		errs = append(errs, errors.New("the issuer is required"))
	}
	if o.Audience == "" {
		errs = append(errs, errors.New("the audience is required"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	v := &Verifier{issuer: o.Issuer, audience: o.Audience, claim: o.UserClaim, now: o.Now}
	if v.claim == "" {
		v.claim = defaultUserClaim
	}
	if v.now == nil {
		v.now = time.Now
	}
	if len(o.JWKS) > 0 {
		set, err := ParseJWKS(o.JWKS)
		if err != nil {
			return nil, err
		}
		v.src = staticKeys{set: set}
		return v, nil
	}
	if err := CheckJWKSURL(o.JWKSURL); err != nil {
		return nil, err
	}
	r := &remoteKeys{url: o.JWKSURL, client: o.Client, now: v.now}
	if o.Client == nil {
		r.client = &http.Client{Timeout: defaultFetchTimeout}
	} else {
		c := *o.Client // a copy: the caller's client keeps its own redirect policy
		r.client = &c
	}
	r.client.CheckRedirect = noRedirects
	v.src = r
	return v, nil
}

// noRedirects makes the key-set client return a redirect as it is, so fetch refuses it: the keys
// come from the configured URL only, never from wherever a redirect points (another host, or http
// after https).
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// CheckJWKSURL accepts https URLs, and http ones on a loopback host (a local issuer).
func CheckJWKSURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%q is not a URL like https://issuer.example.com/.well-known/jwks.json", s)
	}
	switch {
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && (u.Hostname() == "127.0.0.1" || u.Hostname() == "localhost" || u.Hostname() == "::1"):
		return nil
	}
	return fmt.Errorf("%q must be https (http only on 127.0.0.1 or localhost)", s)
}

// Bearer returns the bearer token of r's Authorization header, or an *Error wrapping ErrNoToken
// when it has none. More than one Authorization header, another scheme or an oversized token is
// refused.
func Bearer(r *http.Request) (string, error) {
	vals := r.Header.Values("Authorization")
	if len(vals) == 0 {
		return "", &Error{Reason: "sign in first: send Authorization: Bearer <token>", Err: ErrNoToken}
	}
	if len(vals) > 1 {
		return "", refuse("the request carries more than one Authorization header")
	}
	scheme, tok, _ := strings.Cut(strings.TrimSpace(vals[0]), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", refuse("the Authorization header must be Bearer <token>")
	}
	tok = strings.TrimSpace(tok)
	switch {
	case tok == "":
		return "", &Error{Reason: "sign in first: the bearer token is empty", Err: ErrNoToken}
	case len(tok) > maxTokenBytes:
		return "", refuse(fmt.Sprintf("the bearer token is over %d bytes", maxTokenBytes))
	}
	return tok, nil
}

// User returns the user the request's bearer token names, after verifying it.
func (v *Verifier) User(r *http.Request) (string, error) {
	tok, err := Bearer(r)
	if err != nil {
		return "", err
	}
	return v.Verify(r.Context(), tok)
}

// Verify checks a compact JWS token and returns its user claim. Errors are *Error.
func (v *Verifier) Verify(ctx context.Context, token string) (string, error) {
	sig, err := jose.ParseSignedCompact(token, Algorithms)
	if err != nil {
		return "", &Error{Reason: "the token is not a JWT signed with an accepted algorithm (" + algNames() + ")", Err: err}
	}
	h := sig.Signatures[0].Header // a compact token has exactly one signature
	alg := jose.SignatureAlgorithm(h.Algorithm)
	set, err := v.src.keys(ctx, false)
	if err != nil {
		return "", &Error{Reason: "the issuer's keys are unavailable", Unavailable: true, Err: err}
	}
	keys, known := set.candidates(h.KeyID, alg)
	if !known {
		// A key id the cached set does not know: the issuer may have rotated its keys.
		if set, err = v.src.keys(ctx, true); err != nil {
			return "", &Error{Reason: "the issuer's keys are unavailable", Unavailable: true, Err: err}
		}
		if keys, known = set.candidates(h.KeyID, alg); !known {
			return "", refuse("the token's key id is not in the issuer's key set")
		}
	}
	if len(keys) == 0 {
		return "", refuse("the token's algorithm " + string(alg) + " does not fit the issuer's key")
	}
	if len(keys) > maxKeysWithoutKid {
		// Each candidate costs a signature check: a token must name its key in a large set.
		return "", refuse("the token names no key id (kid) and the issuer has several keys")
	}
	var payload []byte
	for _, k := range keys {
		if payload, err = sig.Verify(k); err == nil {
			break
		}
	}
	if err != nil {
		return "", refuse("the token's signature is not valid")
	}
	claims, err := parseClaims(payload)
	if errors.Is(err, errDuplicateClaim) {
		return "", refuse("the token's claims name one claim more than once")
	}
	std, stdErr := claims.registered()
	if err != nil || stdErr != nil {
		return "", refuse("the token's claims are not a JSON object with valid iss, aud, exp, nbf and iat")
	}
	if std.Expiry == nil {
		return "", refuse("the token has no exp (expiry) claim")
	}
	if err := std.ValidateWithLeeway(jwt.Expected{Issuer: v.issuer, AnyAudience: jwt.Audience{v.audience}, Time: v.now()}, leeway); err != nil {
		return "", refuse(claimReason(err))
	}
	var user string
	raw, present := claims[v.claim] // exactly this name (see claimSet)
	if !present || json.Unmarshal(raw, &user) != nil || user == "" {
		return "", refuse("the token's " + v.claim + " claim is missing, empty or not a string")
	}
	return user, nil
}

func claimReason(err error) string {
	switch {
	case errors.Is(err, jwt.ErrExpired):
		return "the token has expired"
	case errors.Is(err, jwt.ErrNotValidYet):
		return "the token is not valid yet (nbf)"
	case errors.Is(err, jwt.ErrIssuedInTheFuture):
		return "the token is issued in the future (iat)"
	case errors.Is(err, jwt.ErrInvalidIssuer):
		return "the token is from another issuer (iss)"
	case errors.Is(err, jwt.ErrInvalidAudience):
		return "the token is for another audience (aud)"
	}
	return "the token's claims are not valid"
}

func algNames() string {
	names := make([]string, len(Algorithms))
	for i, a := range Algorithms {
		names[i] = string(a)
	}
	return strings.Join(names, ", ")
}
