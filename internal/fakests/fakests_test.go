package fakests_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	sts "github.com/alibabacloud-go/sts-20150401/v2/client"
	"github.com/alibabacloud-go/tea/tea"

	"github.com/fc-oss-upload/fc-oss-upload/internal/fakests"
	"github.com/fc-oss-upload/fc-oss-upload/internal/localcred"
)

const (
	callerAK     = "LTAI5tCallerKey"
	callerSecret = "caller+secret/with*odd~chars"
	roleArn      = "acs:ram::1234567890123456:role/uploader"
	lockedArn    = "acs:ram::1234567890123456:role/locked"
	rolePolicy   = `{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"*"}]}`
	sessionPol   = `{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:PutObject"],"Resource":["acs:oss:*:*:bucket/uploads/u1/*"]}]}`
)

type fixture struct {
	reg  *localcred.Registry
	fake *fakests.Server
	addr string
	now  time.Time
}

// newFixture starts a fake STS whose clock is frozen at the real time of the test's start (the sts
// client stamps requests with the real clock, which must be within 15 minutes).
func newFixture(t *testing.T, mutate func(*fakests.Options)) *fixture {
	t.Helper()
	reg := localcred.NewRegistry()
	reg.Put(localcred.Key{AccessKeyID: callerAK, AccessKeySecret: callerSecret})
	now := time.Now().UTC().Truncate(time.Second)
	opts := fakests.Options{
		Registry: reg,
		Roles: map[string]fakests.Role{
			roleArn:   {Policy: rolePolicy},
			lockedArn: {Principals: []string{"LTAIsomeoneElse"}},
		},
		Now: func() time.Time { return now },
	}
	if mutate != nil {
		mutate(&opts)
	}
	fake, err := fakests.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	addr, err := fake.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fake.Close() })
	return &fixture{reg: reg, fake: fake, addr: addr, now: now}
}

type clientOpts struct {
	ak, secret, token string
	readTimeoutMs     int
}

// clientSeq makes every test client's ReadTimeout unique. tea v1.5.3 pools one *http.Client per
// (timeouts, endpoint) and DoRequest rewrites its Timeout on every call without synchronising with
// in-flight calls, and openapi's Client.GetRpcHeaders writes client.Headers on every call: concurrent
// AssumeRole calls through one pooled client are a data race under -race. A unique timeout gives each
// client its own pooled http.Client; each goroutine also gets its own sts.Client.
var clientSeq atomic.Int64

// client is the real sts-20150401/v2 client pointed at the fake over plain HTTP.
func (f *fixture) client(t *testing.T, o clientOpts) *sts.Client {
	t.Helper()
	if o.ak == "" {
		o.ak, o.secret = callerAK, callerSecret
	}
	cfg := &openapi.Config{
		AccessKeyId:     tea.String(o.ak),
		AccessKeySecret: tea.String(o.secret),
		Endpoint:        tea.String(f.addr),
		Protocol:        tea.String("http"),
		RegionId:        tea.String("cn-hangzhou"),
		ConnectTimeout:  tea.Int(2000),
		ReadTimeout:     tea.Int(10000 + int(clientSeq.Add(1))),
	}
	if o.token != "" {
		cfg.SecurityToken = tea.String(o.token)
	}
	if o.readTimeoutMs > 0 {
		cfg.ReadTimeout = tea.Int(o.readTimeoutMs)
	}
	c, err := sts.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func assumeReq(mutate func(*sts.AssumeRoleRequest)) *sts.AssumeRoleRequest {
	r := &sts.AssumeRoleRequest{
		RoleArn:         tea.String(roleArn),
		RoleSessionName: tea.String("user-1@app.example"),
		DurationSeconds: tea.Int64(900),
		Policy:          tea.String(sessionPol),
	}
	if mutate != nil {
		mutate(r)
	}
	return r
}

func sdkError(t *testing.T, err error) *tea.SDKError {
	t.Helper()
	var e *tea.SDKError
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *tea.SDKError", err, err)
	}
	return e
}

func TestAssumeRoleIssuesRegisteredCredentials(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	resp, err := f.client(t, clientOpts{}).AssumeRole(assumeReq(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := tea.Int32Value(resp.StatusCode); got != 200 {
		t.Fatalf("status %d", got)
	}
	b := resp.Body
	if tea.StringValue(b.RequestId) == "" {
		t.Error("no RequestId")
	}
	if got, want := tea.StringValue(b.AssumedRoleUser.Arn), roleArn+"/user-1@app.example"; got != want {
		t.Errorf("Arn %q, want %q", got, want)
	}
	if id := tea.StringValue(b.AssumedRoleUser.AssumedRoleId); !strings.HasSuffix(id, ":user-1@app.example") {
		t.Errorf("AssumedRoleId %q", id)
	}
	c := b.Credentials
	ak := tea.StringValue(c.AccessKeyId)
	if !strings.HasPrefix(ak, "STS.") {
		t.Errorf("AccessKeyId %q does not start with STS.", ak)
	}
	if got, want := tea.StringValue(c.Expiration), f.now.Add(900*time.Second).Format("2006-01-02T15:04:05Z"); got != want {
		t.Errorf("Expiration %q, want %q", got, want)
	}
	key, ok := f.reg.Lookup(ak)
	if !ok {
		t.Fatal("issued key is not in the registry")
	}
	if key.AccessKeySecret != tea.StringValue(c.AccessKeySecret) || key.SecurityToken != tea.StringValue(c.SecurityToken) || key.SecurityToken == "" {
		t.Error("registry secret/token differ from the issued ones")
	}
	if !key.Expiration.Equal(f.now.Add(900 * time.Second)) {
		t.Errorf("registry expiration %v", key.Expiration)
	}
	if string(key.Policy) != sessionPol || string(key.IdentityPolicy) != rolePolicy {
		t.Errorf("registry policies %q / %q, want the session policy / the role policy", key.Policy, key.IdentityPolicy)
	}
	last, ok := f.fake.LastRequest()
	if !ok || last.RoleArn != roleArn || last.Policy != sessionPol || last.RoleSessionName != "user-1@app.example" || last.DurationSeconds != 900 || last.AccessKeyID != callerAK {
		t.Errorf("LastRequest %+v", last)
	}
	if st := f.fake.Stats(); st.Calls != 1 || st.Succeeded != 1 {
		t.Errorf("Stats %+v", st)
	}

	// The issued temporary key may not itself call AssumeRole (role chaining): neither its role's
	// policy nor its session policy allows sts:AssumeRole.
	_, err = f.client(t, clientOpts{ak: ak, secret: key.AccessKeySecret, token: key.SecurityToken}).
		AssumeRole(assumeReq(func(r *sts.AssumeRoleRequest) { r.Policy = nil }))
	if err == nil || tea.StringValue(sdkError(t, err).Code) != fakests.CodeNoPermission {
		t.Errorf("chained AssumeRole without sts:AssumeRole: %v, want NoPermission", err)
	}

	resp2, err := f.client(t, clientOpts{}).AssumeRole(assumeReq(func(r *sts.AssumeRoleRequest) { r.Policy = nil; r.DurationSeconds = nil }))
	if err != nil {
		t.Fatal(err)
	}
	k2, _ := f.reg.Lookup(tea.StringValue(resp2.Body.Credentials.AccessKeyId))
	if k2.Policy != nil || string(k2.IdentityPolicy) != rolePolicy {
		t.Errorf("no session policy: registry policies %q / %q, want none / the role policy", k2.Policy, k2.IdentityPolicy)
	}
	if !k2.Expiration.Equal(f.now.Add(time.Hour)) {
		t.Errorf("default duration: expiration %v, want now+1h", k2.Expiration)
	}
}

// TestAssumeRoleNeedsCallerPermission: a caller whose own policy does not allow sts:AssumeRole on the
// role is refused even when the role trusts it.
func TestAssumeRoleNeedsCallerPermission(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	allow := func(resource string) []byte {
		return []byte(`{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"` + resource + `"}]}`)
	}
	for name, c := range map[string]struct {
		identity []byte
		want     string
	}{
		"allowed on the role":     {allow(roleArn), ""},
		"allowed on any role":     {allow("acs:ram:*:*:role/*"), ""},
		"allowed on another role": {allow(roleArn + "2"), fakests.CodeNoPermission},
		"only oss actions":        {[]byte(rolePolicy), fakests.CodeNoPermission},
		"unparsable policy":       {[]byte(`{"Statement":`), fakests.CodeNoPermission},
	} {
		ak := "LTAI" + strings.ReplaceAll(name, " ", "")
		f.reg.Put(localcred.Key{AccessKeyID: ak, AccessKeySecret: "secret", IdentityPolicy: c.identity})
		_, err := f.client(t, clientOpts{ak: ak, secret: "secret"}).AssumeRole(assumeReq(nil))
		got := ""
		if err != nil {
			got = tea.StringValue(sdkError(t, err).Code)
		}
		if got != c.want {
			t.Errorf("%s: code %q, want %q", name, got, c.want)
		}
	}
}

func TestAssumeRoleWithoutAnyPolicyAllowsAll(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(o *fakests.Options) { o.Roles = map[string]fakests.Role{roleArn: {}} })
	resp, err := f.client(t, clientOpts{}).AssumeRole(assumeReq(func(r *sts.AssumeRoleRequest) { r.Policy = nil }))
	if err != nil {
		t.Fatal(err)
	}
	k, ok := f.reg.Lookup(tea.StringValue(resp.Body.Credentials.AccessKeyId))
	if !ok || k.Policy != nil {
		t.Errorf("policy %q, want nil (allow-all)", k.Policy)
	}
}

func TestAssumeRoleErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(o *fakests.Options) { o.MaxSessionDuration = 2 * time.Hour })
	f.reg.Put(localcred.Key{AccessKeyID: "STS.expiredcaller", AccessKeySecret: "s", SecurityToken: "tok", Expiration: f.now.Add(-time.Minute)})
	f.reg.Put(localcred.Key{AccessKeyID: "STS.validcaller", AccessKeySecret: "s", SecurityToken: "tok", Expiration: f.now.Add(time.Hour)})
	long := `{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:PutObject","Resource":"` + strings.Repeat("a", 2048) + `"}]}`
	tests := []struct {
		name   string
		client clientOpts
		req    func(*sts.AssumeRoleRequest)
		code   string
		status int
	}{
		{"wrong secret", clientOpts{ak: callerAK, secret: "nope"}, nil, "SignatureDoesNotMatch", 400},
		{"unknown key", clientOpts{ak: "LTAIunknown", secret: "x"}, nil, "InvalidAccessKeyId.NotFound", 404},
		{"expired caller token", clientOpts{ak: "STS.expiredcaller", secret: "s", token: "tok"}, nil, "InvalidSecurityToken.Expired", 400},
		{"temporary caller without token", clientOpts{ak: "STS.validcaller", secret: "s"}, nil, "MissingSecurityToken", 400},
		{"temporary caller wrong token", clientOpts{ak: "STS.validcaller", secret: "s", token: "other"}, nil, "InvalidSecurityToken.MismatchWithAccessKey", 400},
		{"unknown role", clientOpts{}, func(r *sts.AssumeRoleRequest) { r.RoleArn = tea.String("acs:ram::1234567890123456:role/nope") }, "EntityNotExist.Role", 404},
		{"role not trusting caller", clientOpts{}, func(r *sts.AssumeRoleRequest) { r.RoleArn = tea.String(lockedArn) }, "NoPermission", 403},
		{"no role", clientOpts{}, func(r *sts.AssumeRoleRequest) { r.RoleArn = nil }, "MissingParameter", 400},
		{"no session name", clientOpts{}, func(r *sts.AssumeRoleRequest) { r.RoleSessionName = nil }, "MissingParameter", 400},
		{"session name too short", clientOpts{}, func(r *sts.AssumeRoleRequest) { r.RoleSessionName = tea.String("a") }, "InvalidParameter.RoleSessionName", 400},
		{"session name too long", clientOpts{}, func(r *sts.AssumeRoleRequest) { r.RoleSessionName = tea.String(strings.Repeat("a", 65)) }, "InvalidParameter.RoleSessionName", 400},
		{"session name bad char", clientOpts{}, func(r *sts.AssumeRoleRequest) { r.RoleSessionName = tea.String("user 1") }, "InvalidParameter.RoleSessionName", 400},
		{"duration too short", clientOpts{}, func(r *sts.AssumeRoleRequest) { r.DurationSeconds = tea.Int64(899) }, "InvalidParameter.DurationSeconds", 400},
		{"duration over max", clientOpts{}, func(r *sts.AssumeRoleRequest) { r.DurationSeconds = tea.Int64(7201) }, "InvalidParameter.DurationSeconds", 400},
		{"policy not JSON", clientOpts{}, func(r *sts.AssumeRoleRequest) { r.Policy = tea.String(`{"Version":"1",`) }, "InvalidParameter.PolicyGrammar", 400},
		{"policy without Statement", clientOpts{}, func(r *sts.AssumeRoleRequest) { r.Policy = tea.String(`{"Version":"1"}`) }, "InvalidParameter.PolicyGrammar", 400},
		{"policy without Version", clientOpts{}, func(r *sts.AssumeRoleRequest) {
			r.Policy = tea.String(`{"Statement":[{"Effect":"Allow","Action":"*"}]}`)
		}, "InvalidParameter.PolicyGrammar", 400},
		{"policy bad Effect", clientOpts{}, func(r *sts.AssumeRoleRequest) {
			r.Policy = tea.String(`{"Version":"1","Statement":[{"Effect":"Maybe","Action":"*"}]}`)
		}, "InvalidParameter.PolicyGrammar", 400},
		{"policy over 2048 chars", clientOpts{}, func(r *sts.AssumeRoleRequest) { r.Policy = tea.String(long) }, "InvalidParameter.PolicyGrammar", 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := f.client(t, tc.client).AssumeRole(assumeReq(tc.req))
			e := sdkError(t, err)
			if tea.StringValue(e.Code) != tc.code || tea.IntValue(e.StatusCode) != tc.status {
				t.Errorf("got %s/%d, want %s/%d (%s)", tea.StringValue(e.Code), tea.IntValue(e.StatusCode), tc.code, tc.status, tea.StringValue(e.Message))
			}
			if e.Data == nil || !strings.Contains(*e.Data, `"HostId"`) || !strings.Contains(*e.Data, `"Recommend"`) {
				t.Errorf("error body lacks STS fields: %v", tea.StringValue(e.Data))
			}
		})
	}
	t.Cleanup(func() {
		if st := f.fake.Stats(); st.Succeeded != 0 || st.Calls != len(tests) {
			t.Errorf("Stats %+v, want %d calls and no success", st, len(tests))
		}
	})
}

func TestAssumeRoleLongestValidDurationAndPolicy(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	pad := 2048 - len(`{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:PutObject","Resource":""}]}`)
	pol := `{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:PutObject","Resource":"` + strings.Repeat("r", pad) + `"}]}`
	_, err := f.client(t, clientOpts{}).AssumeRole(assumeReq(func(r *sts.AssumeRoleRequest) {
		r.DurationSeconds = tea.Int64(3600)
		r.Policy = tea.String(pol)
		r.RoleSessionName = tea.String("ab")
	}))
	if err != nil {
		t.Fatal(err)
	}
}

func TestTimestampOutsideWindow(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(o *fakests.Options) {
		skewed := time.Now().Add(16 * time.Minute)
		o.Now = func() time.Time { return skewed }
	})
	_, err := f.client(t, clientOpts{}).AssumeRole(assumeReq(nil))
	if e := sdkError(t, err); tea.StringValue(e.Code) != "InvalidTimeStamp.Expired" {
		t.Errorf("code %s", tea.StringValue(e.Code))
	}
}

// TestReplayedNonce records the exact request the real client sends (through a reverse proxy) and sends
// it again.
func TestReplayedNonce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	target, _ := url.Parse("http://" + f.addr)
	var mu sync.Mutex
	var seen string
	proxy := httputil.NewSingleHostReverseProxy(target)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = r.URL.RequestURI()
		mu.Unlock()
		proxy.ServeHTTP(w, r)
	}))
	defer front.Close()
	via := &fixture{reg: f.reg, fake: f.fake, addr: strings.TrimPrefix(front.URL, "http://"), now: f.now}
	if _, err := via.client(t, clientOpts{}).AssumeRole(assumeReq(nil)); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	uri := seen
	mu.Unlock()
	resp, err := http.Post("http://"+f.addr+uri, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(body), `"Code":"SignatureNonceUsed"`) {
		t.Errorf("replay: %d %s", resp.StatusCode, body)
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fault fakests.Fault
		check func(t *testing.T, f *fixture, resp *sts.AssumeRoleResponse, err error)
	}{
		{fakests.FaultThrottling, func(t *testing.T, f *fixture, _ *sts.AssumeRoleResponse, err error) {
			e := sdkError(t, err)
			if tea.StringValue(e.Code) != "Throttling.User" || tea.IntValue(e.StatusCode) != 400 ||
				!strings.Contains(tea.StringValue(e.Message), "Request was denied due to user flow control.") {
				t.Errorf("got %s/%d %s", tea.StringValue(e.Code), tea.IntValue(e.StatusCode), tea.StringValue(e.Message))
			}
		}},
		{fakests.FaultInternalError, func(t *testing.T, f *fixture, _ *sts.AssumeRoleResponse, err error) {
			if e := sdkError(t, err); tea.StringValue(e.Code) != "InternalError" || tea.IntValue(e.StatusCode) != 500 {
				t.Errorf("got %s/%d", tea.StringValue(e.Code), tea.IntValue(e.StatusCode))
			}
		}},
		{fakests.FaultServiceUnavailable, func(t *testing.T, f *fixture, _ *sts.AssumeRoleResponse, err error) {
			if e := sdkError(t, err); tea.StringValue(e.Code) != "ServiceUnavailable" || tea.IntValue(e.StatusCode) != 503 {
				t.Errorf("got %s/%d", tea.StringValue(e.Code), tea.IntValue(e.StatusCode))
			}
		}},
		{fakests.FaultMalformedJSON, func(t *testing.T, f *fixture, _ *sts.AssumeRoleResponse, err error) {
			var e *tea.SDKError
			if err == nil || errors.As(err, &e) {
				t.Errorf("want a decoding error, got %v", err)
			}
		}},
		{fakests.FaultMissingFields, func(t *testing.T, f *fixture, resp *sts.AssumeRoleResponse, err error) {
			if err != nil {
				t.Fatal(err)
			}
			c := resp.Body.Credentials
			if c == nil || c.AccessKeyId == nil || c.AccessKeySecret != nil || c.SecurityToken != nil || c.Expiration != nil {
				t.Errorf("credentials %v", c)
			}
			if _, ok := f.reg.Lookup(tea.StringValue(c.AccessKeyId)); ok {
				t.Error("a half answer registered a key")
			}
		}},
		{fakests.FaultExpiredCredentials, func(t *testing.T, f *fixture, resp *sts.AssumeRoleResponse, err error) {
			if err != nil {
				t.Fatal(err)
			}
			exp, perr := time.Parse("2006-01-02T15:04:05Z", tea.StringValue(resp.Body.Credentials.Expiration))
			if perr != nil || !exp.Before(f.now) {
				t.Errorf("Expiration %v not before now %v", exp, f.now)
			}
			k, ok := f.reg.Lookup(tea.StringValue(resp.Body.Credentials.AccessKeyId))
			if !ok || !k.Expiration.Equal(exp) {
				t.Errorf("registry expiry %v, want %v", k.Expiration, exp)
			}
		}},
		{fakests.FaultExpiringCredentials, func(t *testing.T, f *fixture, resp *sts.AssumeRoleResponse, err error) {
			if err != nil {
				t.Fatal(err)
			}
			want := f.now.Add(time.Minute).Format("2006-01-02T15:04:05Z")
			if got := tea.StringValue(resp.Body.Credentials.Expiration); got != want {
				t.Errorf("Expiration %s, want %s", got, want)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.fault.String(), func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, nil)
			f.fake.InjectFaults(tc.fault)
			c := f.client(t, clientOpts{})
			resp, err := c.AssumeRole(assumeReq(nil))
			tc.check(t, f, resp, err)
			if n := f.fake.PendingFaults(); n != 0 {
				t.Errorf("%d faults left", n)
			}
			// The fault applied to one call only.
			if _, err := c.AssumeRole(assumeReq(nil)); err != nil {
				t.Errorf("call after the fault: %v", err)
			}
			if st := f.fake.Stats(); st.Calls != 2 {
				t.Errorf("Stats %+v", st)
			}
		})
	}
}

func TestFaultHangEndsWithClientTimeout(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	f.fake.InjectFaults(fakests.FaultHang, fakests.FaultThrottling)
	_, err := f.client(t, clientOpts{readTimeoutMs: 200}).AssumeRole(assumeReq(nil))
	if err == nil {
		t.Fatal("want a timeout error")
	}
	var e *tea.SDKError
	if errors.As(err, &e) {
		t.Errorf("want a transport timeout, got STS error %v", err)
	}
	// The queue moves on: the next call gets the next fault.
	_, err = f.client(t, clientOpts{}).AssumeRole(assumeReq(nil))
	if e := sdkError(t, err); tea.StringValue(e.Code) != "Throttling.User" {
		t.Errorf("code %s", tea.StringValue(e.Code))
	}
}

func TestConcurrentCallsWithDelay(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	f.fake.SetDelay(30*time.Millisecond, 20*time.Millisecond)
	const n = 20
	clients := make([]*sts.Client, n)
	for i := range clients {
		clients[i] = f.client(t, clientOpts{})
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for _, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.AssumeRole(assumeReq(nil)); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if st := f.fake.Stats(); st.Calls != n || st.Succeeded != n {
		t.Errorf("Stats %+v", st)
	}
}
