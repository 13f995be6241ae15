package rolecred

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/fc-oss-upload/fc-oss-upload/shared/ossauth"
)

func chainEnv(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	t.Setenv("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "true")
	t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
	t.Setenv("ALIBABA_CLOUD_CREDENTIALS_URI", "")
}

func TestInvocationCredentialsWin(t *testing.T) {
	chainEnv(t)
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "env-id")
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-secret")
	var inv ossauth.Credentials
	s := Source{Invocation: func(context.Context) (ossauth.Credentials, bool) { return inv, true }}
	inv = ossauth.Credentials{AccessKeyID: "STS.inv", AccessKeySecret: "inv-secret", SecurityToken: "inv-token"}
	got, err := s.Credentials(context.Background())
	if err != nil || got != inv {
		t.Fatalf("got %v, %v; want the invocation's", got, err)
	}
	// Incomplete invocation credentials fall back to the chain.
	inv = ossauth.Credentials{AccessKeyID: "x"}
	got, err = s.Credentials(context.Background())
	if err != nil || got.AccessKeyID != "env-id" || got.AccessKeySecret != "env-secret" {
		t.Fatalf("fallback got %v, %v", got, err)
	}
}

// TestChainConcurrent runs the default chain from many goroutines; with -race it proves the guard.
func TestChainConcurrent(t *testing.T) {
	chainEnv(t)
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "env-id")
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-secret")
	t.Setenv("ALIBABA_CLOUD_SECURITY_TOKEN", "env-token")
	var s Source
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := 0; i < 64; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := s.Credentials(context.Background())
			if err == nil && c.SecurityToken != "env-token" {
				err = errors.New("wrong token")
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestNoCredentials(t *testing.T) {
	chainEnv(t)
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "")
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "")
	var s Source
	if _, err := s.Credentials(context.Background()); !errors.Is(err, ErrNoCredentials) {
		t.Fatalf("err = %v, want ErrNoCredentials", err)
	}
}
