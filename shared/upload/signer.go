package upload

import (
	"context"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/shared/ossauth"
)

// Signer signs grants with the credentials of the function's role: the step between a grant and
// the answer. It keeps the V4 signing key of each credential for the day (ossauth.Signer). A
// function keeps one for the life of its process.
type Signer struct {
	// Creds are the role's credentials (rolecred.Source, or fixed ones in tests).
	Creds interface {
		Credentials(ctx context.Context) (ossauth.Credentials, error)
	}
	Endpoint ossauth.Endpoint
	Region   string

	keys ossauth.Signer
}

// Post signs g as a V4 POST policy.
func (s *Signer) Post(ctx context.Context, g Grant) (ossauth.PostPolicyV4, error) {
	creds, err := s.Creds.Credentials(ctx)
	if err != nil {
		return ossauth.PostPolicyV4{}, Unavailable("signing credentials", err)
	}
	return s.keys.SignPostPolicyV4(creds, g.PostPolicy(s.Region), g.Now)
}

// Put signs g as a presigned PUT URL.
func (s *Signer) Put(ctx context.Context, g Grant) (string, error) {
	return s.Presign(ctx, g.Presign(s.Endpoint, s.Region), g.Now)
}

// Presign signs a presigned URL that no grant describes (a multipart upload's parts).
func (s *Signer) Presign(ctx context.Context, o ossauth.PresignV4Options, now time.Time) (string, error) {
	creds, err := s.Creds.Credentials(ctx)
	if err != nil {
		return "", Unavailable("signing credentials", err)
	}
	return s.keys.PresignV4(creds, o, now)
}
