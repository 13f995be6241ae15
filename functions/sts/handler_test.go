package main

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/internal/fakests"
	"github.com/fc-oss-upload/fc-oss-upload/internal/localcred"
	"github.com/fc-oss-upload/fc-oss-upload/shared/api"
	"github.com/fc-oss-upload/fc-oss-upload/shared/config"
	"github.com/fc-oss-upload/fc-oss-upload/shared/fcweb/fcwebtest"
	"github.com/fc-oss-upload/fc-oss-upload/shared/ossauth"
	"github.com/fc-oss-upload/fc-oss-upload/shared/rolecred"
	"github.com/fc-oss-upload/fc-oss-upload/shared/stscred"
)

const roleARN = "acs:ram::1234567890123456:role/oss-upload"

var functionRole = ossauth.Credentials{AccessKeyID: "STS.functionrole", AccessKeySecret: "function-role-secret", SecurityToken: "function-role-token"}

type staticCreds struct{ c ossauth.Credentials }

func (s staticCreds) Credentials(context.Context) (ossauth.Credentials, error) { return s.c, nil }

// switchCreds are credentials a test can replace.
type switchCreds struct {
	mu sync.Mutex
	c  ossauth.Credentials
}

func (s *switchCreds) Credentials(context.Context) (ossauth.Credentials, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.c, nil
}

func (s *switchCreds) set(c ossauth.Credentials) { s.mu.Lock(); s.c = c; s.mu.Unlock() }

// clock is the stack's clock: the handler's credential cache and the fake STS read it, and only
// the test moves it.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type stack struct {
	h     http.Handler
	sts   *fakests.Server
	reg   *localcred.Registry
	clock *clock
}

func newStack(t *testing.T, caller ossauth.Credentials, env map[string]string) *stack {
	return newStackWith(t, staticCreds{caller}, env)
}

func newStackWith(t *testing.T, caller rolecred.Provider, env map[string]string) *stack {
	t.Helper()
	reg := localcred.NewRegistry()
	reg.Put(localcred.Key{AccessKeyID: functionRole.AccessKeyID, AccessKeySecret: functionRole.AccessKeySecret, SecurityToken: functionRole.SecurityToken})
	// The STS SDK stamps each call with the real time and the fake STS checks it is within 15
	// minutes of its clock, so the shared clock starts at the real time; from then on only the test
	// moves it.
	clk := &clock{t: time.Now().UTC().Truncate(time.Second)}
	sts, err := fakests.New(fakests.Options{Registry: reg, Roles: map[string]fakests.Role{roleARN: {}}, Now: clk.Now})
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
	if cfg.Auth != nil {
		cfg.Auth = fcwebtest.Verifier(t, vars, authNow)
	}
	h, err := newTestHandler(cfg, caller, clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	return &stack{h: h, sts: sts, reg: reg, clock: clk}
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
	var got api.Token
	r.JSON(t, &got)
	if !strings.HasPrefix(got.AccessKeyID, "STS.") || got.AccessKeySecret == "" || got.SecurityToken == "" ||
		got.Bucket != "examplebucket" || got.Region != "cn-hangzhou" || got.Dir != "user-uploads/" ||
		got.Endpoint != "https://oss-cn-hangzhou.aliyuncs.com" || got.Cname || got.PathStyle {
		t.Errorf("response %+v", got)
	}
	if want := s.clock.Now().Add(900 * time.Second).Format(time.RFC3339); got.Expiration != want {
		t.Errorf("Expiration %q, want %q (the 900 s asked for)", got.Expiration, want)
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
			var got api.Token
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
	t.Run("failure remembered until its backoff ends, then one call", func(t *testing.T) {
		bad := functionRole
		bad.AccessKeySecret = "wrong"
		caller := &switchCreds{c: bad}
		s := newStackWith(t, caller, nil)
		r := s.invoke(t, "get_token")
		if r.Status != 503 || r.Headers.Get("Retry-After") == "" {
			t.Fatalf("%d %v %s", r.Status, r.Headers, r.Body)
		}
		caller.set(functionRole) // the role's credentials work again
		if r := s.invoke(t, "get_token"); r.Status != 503 || s.sts.Stats().Calls != 1 {
			t.Errorf("within the backoff: %d with %d AssumeRole calls, want 503 from the remembered failure", r.Status, s.sts.Stats().Calls)
		}
		wait, err := strconv.Atoi(r.Headers.Get("Retry-After"))
		if err != nil {
			t.Fatal(err)
		}
		s.clock.Add(time.Duration(wait) * time.Second)
		if r := s.invoke(t, "get_token"); r.Status != 200 || s.sts.Stats().Calls != 2 {
			t.Errorf("after Retry-After: %d %s with %d AssumeRole calls, want 200 after one more", r.Status, r.Body, s.sts.Stats().Calls)
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
	fcwebtest.CheckEdge(t, s.h, fcwebtest.Edge{APIPath: APIPath, AllowedOrigin: "https://app.example.com", Creds: functionRole})
	if st := s.sts.Stats(); st.Calls != 0 {
		t.Errorf("routes other than the token called STS %d times", st.Calls)
	}
}

// authNow is the clock of the tokens and the verifier in per-user tests.
var authNow = time.Date(2026, 11, 23, 8, 30, 0, 0, time.UTC)

func TestTokenPerUser(t *testing.T) {
	t.Parallel()
	idp, env := fcwebtest.Issuer(t, authNow)
	s := newStack(t, functionRole, env)
	ev := fcwebtest.Fixture(t, filepath.Join("testdata", "get_as_user.json")) // also sends X-User-Id: alice@example.com
	token := func(user string) (api.Token, fakests.Request) {
		t.Helper()
		tok, err := idp.Mint(user)
		if err != nil {
			t.Fatal(err)
		}
		r := fcwebtest.Invoke(t, s.h, fcwebtest.WithHeader(ev, "Authorization", "Bearer "+tok), functionRole)
		var got api.Token
		r.JSON(t, &got)
		if r.Status != 200 {
			t.Fatalf("%s: %d %s", user, r.Status, r.Body)
		}
		req, _ := s.sts.LastRequest()
		return got, req
	}
	got, req := token("bob@example.com")
	if got.Dir != "uploads/bob@example.com/" || req.RoleSessionName != "u.bob@example.com" ||
		!strings.Contains(req.Policy, `"acs:oss:*:*:examplebucket/uploads/bob@example.com/*"`) {
		t.Errorf("dir %q, STS saw %+v", got.Dir, req)
	}
	// Ids the old sanitiser merged get distinct prefixes, session policies and credentials.
	id64 := strings.Repeat("u", 64)
	for _, pair := range [][2]string{{"张三", "李四"}, {"a+b@x.com", "a_b@x.com"}, {id64 + "x", id64}} {
		a, ra := token(pair[0])
		b, rb := token(pair[1])
		if a.Dir == b.Dir || a.AccessKeyID == b.AccessKeyID || ra.Policy == rb.Policy ||
			!strings.Contains(ra.Policy, a.Dir+"*") || !strings.Contains(rb.Policy, b.Dir+"*") {
			t.Errorf("%q: %s %s; %q: %s %s", pair[0], a.Dir, a.AccessKeyID, pair[1], b.Dir, b.AccessKeyID)
		}
	}
	if r := s.invoke(t, "get_as_user"); r.Status != 401 || r.ErrorCode(t) != "unauthenticated" || r.Headers.Get("WWW-Authenticate") == "" {
		t.Errorf("spoofed header without a token: %d %s", r.Status, r.Body)
	}
	if r := s.invoke(t, "get_token"); r.Status != 401 || r.ErrorCode(t) != "unauthenticated" {
		t.Errorf("no token: %d %s", r.Status, r.Body)
	}
	// The demo page, CORS preflights and the other edge answers need no token.
	fcwebtest.CheckEdge(t, s.h, fcwebtest.Edge{APIPath: APIPath, AllowedOrigin: "https://app.example.com", Creds: functionRole})
}

// newTestHandler wires the handler as main does, with caller as the function role and now as the
// cache's clock (nil: real).
func newTestHandler(cfg config.Config, caller rolecred.Provider, now func() time.Time) (http.Handler, error) {
	client, err := stscred.NewClient(stscred.ClientOptions{RoleARN: cfg.STSRoleARN, Region: cfg.Region, Endpoint: cfg.STSEndpoint, Network: cfg.STSNetwork})
	if err != nil {
		return nil, err
	}
	issuer := &stscred.Issuer{Client: client, Caller: caller, Bucket: cfg.Bucket, Dir: cfg.Rules.Dir, Duration: cfg.STSDuration}
	return newHandler(cfg, &stscred.Cache{Now: now, Fetch: issuer.Fetch})
}
