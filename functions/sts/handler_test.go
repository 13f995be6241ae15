package main

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/scripts/fakests"
	"github.com/fc-oss-upload/fc-oss-upload/scripts/localcred"
	"github.com/fc-oss-upload/fc-oss-upload/shared/config"
	"github.com/fc-oss-upload/fc-oss-upload/shared/fcweb/fcwebtest"
	"github.com/fc-oss-upload/fc-oss-upload/shared/ossauth"
)

const roleARN = "acs:ram::1234567890123456:role/oss-upload"

var functionRole = ossauth.Credentials{AccessKeyID: "STS.functionrole", AccessKeySecret: "function-role-secret", SecurityToken: "function-role-token"}

type staticCreds struct{ c ossauth.Credentials }

func (s staticCreds) Credentials(context.Context) (ossauth.Credentials, error) { return s.c, nil }

type stack struct {
	h   http.Handler
	sts *fakests.Server
	reg *localcred.Registry
}

func newStack(t *testing.T, caller ossauth.Credentials, env map[string]string) *stack {
	t.Helper()
	reg := localcred.NewRegistry()
	reg.Put(localcred.Key{AccessKeyID: functionRole.AccessKeyID, AccessKeySecret: functionRole.AccessKeySecret, SecurityToken: functionRole.SecurityToken})
	sts, err := fakests.New(fakests.Options{Registry: reg, Roles: map[string]fakests.Role{roleARN: {}}})
	if err != nil {
		t.Fatal(err)
	}
	addr, err := sts.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sts.Close() })
	vars := map[string]string{
		"OSS_BUCKET": "examplebucket", "OSS_REGION": "cn-hangzhou", "OSS_STS_ROLE_ARN": roleARN,
		"OSS_STS_ENDPOINT": "http://" + addr, "CORS_ALLOWED_ORIGINS": "https://app.example.com",
	}
	for k, v := range env {
		vars[k] = v
	}
	cfg, err := config.Load(config.FunctionSTS, func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	h, err := newHandler(cfg, staticCreds{caller}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &stack{h: h, sts: sts, reg: reg}
}

func (s *stack) invoke(t *testing.T, fixture string) fcwebtest.Response {
	t.Helper()
	return fcwebtest.Invoke(t, s.h, fcwebtest.Fixture(t, filepath.Join("testdata", fixture+".json")), functionRole)
}

func TestTokenScopedBySessionPolicy(t *testing.T) {
	t.Parallel()
	s := newStack(t, functionRole, map[string]string{"OSS_UPLOAD_DIR": "user-uploads/", "OSS_STS_DURATION_SECONDS": "900"})
	r := s.invoke(t, "get_token")
	if r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	var got tokenResponse
	r.JSON(t, &got)
	if !strings.HasPrefix(got.AccessKeyID, "STS.") || got.AccessKeySecret == "" || got.SecurityToken == "" ||
		got.Bucket != "examplebucket" || got.Region != "cn-hangzhou" || got.Dir != "user-uploads/" ||
		got.Endpoint != "https://oss-cn-hangzhou.aliyuncs.com" || got.Cname || got.PathStyle {
		t.Errorf("response %+v", got)
	}
	exp, err := time.Parse(time.RFC3339, got.Expiration)
	if err != nil || exp.Sub(time.Now()) > 900*time.Second || exp.Sub(time.Now()) < 800*time.Second {
		t.Errorf("Expiration %q", got.Expiration)
	}
	req, ok := s.sts.LastRequest()
	if !ok || req.RoleArn != roleARN || req.AccessKeyID != functionRole.AccessKeyID || req.DurationSeconds != 900 || req.RoleSessionName != "fc-oss-upload" {
		t.Fatalf("STS saw %+v", req)
	}
	var policy struct {
		Version   string
		Statement []struct {
			Effect   string
			Action   []string
			Resource []string
		}
	}
	if err := json.Unmarshal([]byte(req.Policy), &policy); err != nil {
		t.Fatalf("session policy %q: %v", req.Policy, err)
	}
	if len(policy.Statement) != 1 || policy.Statement[0].Effect != "Allow" ||
		strings.Join(policy.Statement[0].Resource, ",") != "acs:oss:*:*:examplebucket/user-uploads/*" ||
		strings.Join(policy.Statement[0].Action, ",") != "oss:PutObject,oss:AbortMultipartUpload,oss:ListParts" {
		t.Errorf("session policy %s", req.Policy)
	}
	issued, ok := s.reg.Lookup(got.AccessKeyID)
	if !ok || issued.SecurityToken != got.SecurityToken || string(issued.Policy) != req.Policy {
		t.Errorf("issued key not registered with its policy")
	}
	if r.Headers.Get("Cache-Control") != "no-store" {
		t.Errorf("token response may be cached")
	}
}

func TestOneAssumeRoleForConcurrentRequests(t *testing.T) {
	t.Parallel()
	s := newStack(t, functionRole, nil)
	s.sts.SetDelay(40*time.Millisecond, 0)
	var wg sync.WaitGroup
	ids := make(chan string, 50)
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := s.invoke(t, "post_token")
			var got tokenResponse
			r.JSON(t, &got)
			ids <- got.AccessKeyID
		}()
	}
	wg.Wait()
	close(ids)
	first := ""
	for id := range ids {
		if first == "" {
			first = id
		}
		if id != first || id == "" {
			t.Fatalf("requests got different credentials: %q vs %q", id, first)
		}
	}
	if st := s.sts.Stats(); st.Calls != 1 {
		t.Fatalf("%d AssumeRole calls for 50 concurrent requests, want 1", st.Calls)
	}
}

func TestSTSFaults(t *testing.T) {
	t.Parallel()
	t.Run("throttled then recovers", func(t *testing.T) {
		s := newStack(t, functionRole, nil)
		s.sts.InjectFaults(fakests.FaultThrottling, fakests.FaultInternalError)
		if r := s.invoke(t, "get_token"); r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		if st := s.sts.Stats(); st.Calls != 3 || st.Succeeded != 1 {
			t.Errorf("stats %+v", st)
		}
	})
	t.Run("permanent failure is a 503 without details", func(t *testing.T) {
		s := newStack(t, functionRole, map[string]string{"OSS_STS_ROLE_ARN": "acs:ram::1234567890123456:role/missing"})
		r := s.invoke(t, "get_token")
		if r.Status != 503 || r.ErrorCode(t) != "unavailable" || r.Headers.Get("Retry-After") == "" {
			t.Fatalf("%d %v %s", r.Status, r.Headers, r.Body)
		}
		if strings.Contains(string(r.Body), "EntityNotExist") || strings.Contains(string(r.Body), "role/missing") {
			t.Errorf("STS details leaked: %s", r.Body)
		}
		if st := s.sts.Stats(); st.Calls != 1 {
			t.Errorf("a permanent error was retried: %+v", st)
		}
	})
	t.Run("wrong function role secret", func(t *testing.T) {
		bad := functionRole
		bad.AccessKeySecret = "wrong"
		s := newStack(t, bad, nil)
		if r := s.invoke(t, "get_token"); r.Status != 503 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})
}

func TestRoutes(t *testing.T) {
	t.Parallel()
	s := newStack(t, functionRole, nil)
	for fixture, want := range map[string]int{"page": 200, "unknown_route": 404, "put_method": 405, "cross_origin_denied": 403, "preflight_allowed": 204} {
		if r := s.invoke(t, fixture); r.Status != want {
			t.Errorf("%s: %d %s, want %d", fixture, r.Status, r.Body, want)
		}
	}
	if st := s.sts.Stats(); st.Calls != 0 {
		t.Errorf("routes other than the token called STS %d times", st.Calls)
	}
}

func TestTokenPerUser(t *testing.T) {
	t.Parallel()
	s := newStack(t, functionRole, map[string]string{"AUTH_USER_HEADER": "X-User-Id"})
	r := s.invoke(t, "get_as_user")
	var got tokenResponse
	r.JSON(t, &got)
	if r.Status != 200 || got.Dir != "uploads/alice@example.com/" {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	req, _ := s.sts.LastRequest()
	if req.RoleSessionName != "u.alice@example.com" || !strings.Contains(req.Policy, `"acs:oss:*:*:examplebucket/uploads/alice@example.com/*"`) {
		t.Errorf("STS saw %+v", req)
	}
	if r := s.invoke(t, "get_token"); r.Status != 401 || r.ErrorCode(t) != "unauthenticated" {
		t.Errorf("no user: %d %s", r.Status, r.Body)
	}
}
