package stscred

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	sts "github.com/alibabacloud-go/sts-20150401/v2/client"
	util "github.com/alibabacloud-go/tea-utils/v2/service"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/aliyun/credentials-go/credentials"
	"github.com/aliyun/credentials-go/credentials/providers"

	"github.com/fc-oss-upload/fc-oss-upload/shared/ossauth"
)

// Token is a set of temporary credentials and when they expire.
type Token struct {
	Credentials ossauth.Credentials
	Expiration  time.Time
}

// ClientOptions configure the STS client.
type ClientOptions struct {
	// RoleARN is the role to assume. Required.
	RoleARN string
	// Region selects the regional endpoint sts[-vpc].<region>.aliyuncs.com. Required unless Endpoint is set.
	Region string
	// Endpoint overrides the endpoint: a URL such as https://sts.aliyuncs.com or http://127.0.0.1:9100.
	Endpoint string
	// Network "vpc" selects the VPC endpoint of Region.
	Network string
	// ReadTimeout bounds each call's answer (default 3 s; the SDK has none by default).
	ReadTimeout time.Duration
}

// connectTimeout bounds each call's connection (the SDK has none by default).
const connectTimeout = 2 * time.Second

// Client calls AssumeRole. It is built once; each call signs with the caller credentials given.
// Calls run in parallel, each on an SDK client of its own (see sdkSlot): no lock is held while a
// call waits for STS, so one hanging call never delays another.
type Client struct {
	opts ClientOptions
	cfg  openapi.Config // the SDK config every slot is built from (its Credential set per slot)

	mu    sync.Mutex // guards free and made only; never held across a call to STS
	free  []*sdkSlot
	made  int
	slots chan struct{} // at most maxSlots calls at once
}

// maxSlots bounds concurrent AssumeRole calls from one process (and so the SDK clients it keeps).
// The cache makes at most one call per prefix at a time, so this is only reached by that many new
// prefixes at once; a call beyond it waits for a slot within its own deadline.
const maxSlots = 64

// sdkSlot is one SDK client with its own caller credentials. The SDK is not safe for overlapping
// calls on one client: openapi writes the client's per-call state, and tea keeps one pooled
// http.Client per "tag" (timeouts, proxy, host) whose Timeout it rewrites on every call while
// another call may be reading it (tea@v1.5.3/tea/tea.go getTeaClient and DoRequest). So each slot
// is used by one call at a time, and each slot's connect timeout differs by its index in
// milliseconds, which gives it a tea tag, and so a pooled http.Client, of its own.
type sdkSlot struct {
	sdk       *sts.Client
	caller    *callerProvider
	connectMs int
}

// NewClient builds the STS client.
func NewClient(opts ClientOptions) (*Client, error) {
	if opts.RoleARN == "" {
		return nil, errors.New("stscred: RoleARN is required")
	}
	if opts.ReadTimeout <= 0 {
		opts.ReadTimeout = 3 * time.Second
	}
	c := &Client{opts: opts, slots: make(chan struct{}, maxSlots)}
	cfg := &c.cfg
	cfg.ReadTimeout = tea.Int(int(opts.ReadTimeout / time.Millisecond))
	if opts.Endpoint != "" {
		u, err := url.Parse(opts.Endpoint)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return nil, fmt.Errorf("stscred: endpoint %q must be a URL like https://sts.cn-hangzhou.aliyuncs.com", opts.Endpoint)
		}
		cfg.Endpoint = tea.String(u.Host)
		cfg.Protocol = tea.String(u.Scheme)
	} else {
		if opts.Region == "" {
			return nil, errors.New("stscred: Region or Endpoint is required")
		}
		cfg.RegionId = tea.String(ossauth.StandardRegion(opts.Region))
		if opts.Network != "" {
			cfg.Network = tea.String(opts.Network)
		}
	}
	slot, err := c.newSlot(0)
	if err != nil {
		return nil, fmt.Errorf("stscred: %w", err)
	}
	c.free, c.made = []*sdkSlot{slot}, 1
	return c, nil
}

// newSlot builds the i-th SDK client.
func (c *Client) newSlot(i int) (*sdkSlot, error) {
	cfg := c.cfg
	slot := &sdkSlot{caller: &callerProvider{}, connectMs: int(connectTimeout/time.Millisecond) + i}
	cfg.Credential = credentials.FromCredentialsProvider("fc_function_role", slot.caller)
	cfg.ConnectTimeout = tea.Int(slot.connectMs)
	sdk, err := sts.NewClient(&cfg)
	if err != nil {
		return nil, err
	}
	slot.sdk = sdk
	return slot, nil
}

// acquire takes a free SDK client, building one when none is free, within ctx.
func (c *Client) acquire(ctx context.Context) (*sdkSlot, error) {
	select {
	case c.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	c.mu.Lock()
	if n := len(c.free); n > 0 {
		slot := c.free[n-1]
		c.free = c.free[:n-1]
		c.mu.Unlock()
		return slot, nil
	}
	i := c.made
	c.made++
	c.mu.Unlock()
	slot, err := c.newSlot(i)
	if err != nil {
		c.mu.Lock()
		c.made--
		c.mu.Unlock()
		<-c.slots
		return nil, err
	}
	return slot, nil
}

func (c *Client) release(slot *sdkSlot) {
	c.mu.Lock()
	c.free = append(c.free, slot)
	c.mu.Unlock()
	<-c.slots
}

// AssumeRoleInput is one AssumeRole call.
type AssumeRoleInput struct {
	SessionName string        // 2-64 of [A-Za-z0-9.@_-]; shows in ActionTrail
	Policy      string        // session policy JSON
	Duration    time.Duration // 900 s to the role's MaxSessionDuration
}

// AssumeRole calls STS with the caller's credentials (the function role's). It honours ctx's
// deadline by shortening the read timeout; a failure is an *Error that says whether to retry.
func (c *Client) AssumeRole(ctx context.Context, caller ossauth.Credentials, in AssumeRoleInput) (Token, error) {
	if !caller.Valid() {
		return Token{}, &Error{Code: "MissingCredentials", Message: "no function role credentials to call STS with"}
	}
	read := c.opts.ReadTimeout
	if dl, ok := ctx.Deadline(); ok {
		left := time.Until(dl)
		if left <= 0 {
			return Token{}, &Error{Code: "Timeout", Message: "no time left to call STS", Retryable: true, Err: ctx.Err()}
		}
		if left < read {
			// Round down to 250 ms steps: tea pools one http.Client per distinct timeout.
			read = max(left.Truncate(250*time.Millisecond), 250*time.Millisecond)
		}
	}
	slot, err := c.acquire(ctx)
	if err != nil {
		return Token{}, &Error{Code: "Timeout", Message: "no time left to call STS", Retryable: true, Err: err}
	}
	defer c.release(slot)
	slot.caller.set(caller)
	resp, err := slot.sdk.AssumeRoleWithOptions(&sts.AssumeRoleRequest{
		RoleArn:         tea.String(c.opts.RoleARN),
		RoleSessionName: tea.String(in.SessionName),
		Policy:          tea.String(in.Policy),
		DurationSeconds: tea.Int64(int64(in.Duration / time.Second)),
	}, &util.RuntimeOptions{
		Autoretry:      tea.Bool(false),
		ConnectTimeout: tea.Int(slot.connectMs),
		ReadTimeout:    tea.Int(int(read / time.Millisecond)),
	})
	if err != nil {
		return Token{}, classify(err)
	}
	if resp == nil || resp.Body == nil || resp.Body.Credentials == nil {
		return Token{}, &Error{Code: "MalformedResponse", Message: "STS answered without credentials", Retryable: true}
	}
	cr := resp.Body.Credentials
	tok := Token{Credentials: ossauth.Credentials{
		AccessKeyID:     tea.StringValue(cr.AccessKeyId),
		AccessKeySecret: tea.StringValue(cr.AccessKeySecret),
		SecurityToken:   tea.StringValue(cr.SecurityToken),
	}}
	exp, perr := time.Parse(time.RFC3339, tea.StringValue(cr.Expiration))
	if perr != nil || !tok.Credentials.Valid() || tok.Credentials.SecurityToken == "" {
		return Token{}, &Error{Code: "MalformedResponse", Message: "STS answered with incomplete credentials", Retryable: true}
	}
	tok.Expiration = exp
	return tok, nil
}

// Error is a failed AssumeRole. Code is STS's error code (e.g. Throttling.User, NoPermission) or
// one of Timeout, Network, MalformedResponse, MissingCredentials. It never holds a secret.
type Error struct {
	Code       string
	StatusCode int
	Message    string
	Retryable  bool
	Err        error
}

func (e *Error) Error() string {
	s := "stscred: AssumeRole failed: " + e.Code
	if e.StatusCode != 0 {
		s += fmt.Sprintf(" (HTTP %d)", e.StatusCode)
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

func classify(err error) *Error {
	var sdkErr *tea.SDKError
	if errors.As(err, &sdkErr) {
		e := &Error{Code: tea.StringValue(sdkErr.Code), StatusCode: tea.IntValue(sdkErr.StatusCode)}
		// The SDK's message embeds the request id; keep the code and status only.
		switch {
		case e.StatusCode >= 500, strings.HasPrefix(e.Code, "Throttling"), e.Code == "ServiceUnavailable", e.Code == "InternalError":
			e.Retryable = true
		case e.StatusCode == 0:
			// Not an HTTP answer: a transport failure or an unreadable body.
			e.Code, e.Retryable = "Network", true
			if strings.Contains(strings.ToLower(err.Error()), "timeout") {
				e.Code = "Timeout"
			}
		}
		return e
	}
	code := "Network"
	if strings.Contains(strings.ToLower(err.Error()), "timeout") {
		code = "Timeout"
	}
	return &Error{Code: code, Retryable: true, Err: err}
}

// callerProvider hands the STS SDK the credentials of the request that triggered the call.
type callerProvider struct {
	v atomic.Pointer[ossauth.Credentials]
}

func (p *callerProvider) set(c ossauth.Credentials) { p.v.Store(&c) }

func (p *callerProvider) GetCredentials() (*providers.Credentials, error) {
	c := p.v.Load()
	if c == nil {
		return nil, errors.New("stscred: no caller credentials")
	}
	return &providers.Credentials{AccessKeyId: c.AccessKeyID, AccessKeySecret: c.AccessKeySecret, SecurityToken: c.SecurityToken, ProviderName: "fc_function_role"}, nil
}

func (p *callerProvider) GetProviderName() string { return "fc_function_role" }
