// Package rolecred supplies the credentials of the RAM role attached to the function: those FC
// passes with each invocation (the edge puts them in the request context; Source.Invocation reads
// them there), else the default credential chain of credentials-go (environment, profile, ECS metadata, credentials URI), which
// FC also feeds through ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET/_SECURITY_TOKEN. No long-term key is
// ever configured in this project.
package rolecred

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/alibabacloud-go/tea/tea"
	"github.com/aliyun/credentials-go/credentials"

	"github.com/fc-oss-upload/fc-oss-upload/shared/ossauth"
)

// Source returns the function role's credentials. The zero value uses the default chain only.
type Source struct {
	// Invocation returns the credentials FC passed with the current invocation, if any (fcweb.Credentials).
	Invocation func(ctx context.Context) (ossauth.Credentials, bool)

	mu    sync.Mutex // the credentials-go chain is not safe for concurrent use
	chain credentials.Credential
}

// ErrNoCredentials means neither the invocation nor the default chain had credentials.
var ErrNoCredentials = errors.New("rolecred: no credentials: attach a role to the function (or set ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET/_SECURITY_TOKEN locally)")

// Credentials returns the invocation's credentials when present, else the default chain's.
func (s *Source) Credentials(ctx context.Context) (ossauth.Credentials, error) {
	if s.Invocation != nil {
		if c, ok := s.Invocation(ctx); ok && c.Valid() {
			return c, nil
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.chain == nil {
		chain, err := credentials.NewCredential(nil) // the default chain
		if err != nil {
			return ossauth.Credentials{}, fmt.Errorf("%w: %v", ErrNoCredentials, err)
		}
		s.chain = chain
	}
	m, err := s.chain.GetCredential()
	if err != nil {
		return ossauth.Credentials{}, fmt.Errorf("%w: %v", ErrNoCredentials, err)
	}
	c := ossauth.Credentials{AccessKeyID: tea.StringValue(m.AccessKeyId), AccessKeySecret: tea.StringValue(m.AccessKeySecret), SecurityToken: tea.StringValue(m.SecurityToken)}
	if !c.Valid() {
		return ossauth.Credentials{}, ErrNoCredentials
	}
	return c, nil
}

// Provider is what handlers need of a credential source: *Source, or a fixed one in tests.
type Provider interface {
	Credentials(ctx context.Context) (ossauth.Credentials, error)
}
