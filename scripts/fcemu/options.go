package fcemu

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"
)

// Options configures one emulated function. Only Binary is required.
type Options struct {
	// Binary is the path of the built handler executable. Required.
	Binary string
	// Env is extra "KEY=value" entries for the child, added after (and overriding) the ones the
	// emulator sets. Optional.
	Env []string
	// FunctionName is FC_FUNCTION_NAME and x-fc-function-name. Optional; default "function".
	FunctionName string
	// Handler is FC_FUNCTION_HANDLER and x-fc-function-handler. Optional; default "main".
	Handler string
	// MemoryMB is FC_FUNCTION_MEMORY_SIZE and x-fc-function-memory, in MiB. Optional; default 512.
	MemoryMB int
	// Timeout is the function timeout: each invocation's deadline is now+Timeout (real clock), and
	// x-fc-function-timeout carries it in whole seconds, rounded up. Optional; default 10 s.
	Timeout time.Duration
	// Region is FC_REGION and x-fc-region. Optional; default "cn-hangzhou".
	Region string
	// AccountID is FC_ACCOUNT_ID, x-fc-account-id and requestContext.accountId. Optional; default
	// "1234567890123456".
	AccountID string
	// Credentials supplies the function role's credentials, asked once per invocation and sent as
	// x-fc-access-key-id, x-fc-access-key-secret and x-fc-security-token (the handler sees them in
	// fccontext). Optional; nil sends none.
	Credentials func() (accessKeyID, secret, securityToken string)
	// RoleEnv, when true, also puts Credentials() (asked when each process starts) in the child's
	// ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET/ALIBABA_CLOUD_SECURITY_TOKEN, as FC does. Optional.
	RoleEnv bool
	// NoForwardedProto sends no X-Forwarded-Proto to the function (by default the front says
	// which scheme the client used). No FC document found says whether FC sends one, so a stack
	// can run without it, the case where a function must not depend on it.
	NoForwardedProto bool
	// Concurrency is the instance concurrency: how many invocations may be outstanding in the child
	// at once; more wait their turn. Optional; default 10.
	Concurrency int
	// Initializer sends an initializer invocation (x-fc-function-type 1) to every new process
	// before any other invocation. Optional.
	Initializer bool
	// Stdout and Stderr receive the child's output. Optional; nil discards.
	Stdout, Stderr io.Writer
	// Now stamps events and request ids. Optional; nil means time.Now. Deadlines always use the real
	// clock (see the package doc).
	Now func() time.Time
	// Logger receives one line per invocation. Optional; nil discards.
	Logger *slog.Logger
	// MaxBodyBytes is the largest request body the HTTP front accepts (FC's limit); larger gets 413.
	// Optional; default 32 MiB. (A function's posted result is bounded separately, at 64 MiB.)
	MaxBodyBytes int64
	// DomainName is requestContext.domainName (e.g. "sts-abcdefgh.cn-hangzhou.fcapp.run"). Optional;
	// default the request's Host.
	DomainName string
	// Authorize is the per-trigger request authoriser (where FC's JWT trigger authentication plugs
	// in). Optional. It runs before the function is invoked; an error is answered 401 without
	// invoking; the returned claims are added to the event's headers (header name -> value),
	// replacing any header of the same name, as FC passes configured JWT claims to the function.
	Authorize func(*http.Request) (claims map[string]string, err error)
}

// Defaults.
const (
	DefaultTimeout      = 10 * time.Second
	DefaultConcurrency  = 10
	DefaultMaxBodyBytes = 32 << 20
	DefaultRegion       = "cn-hangzhou"
	DefaultAccountID    = "1234567890123456"
)

func (o Options) withDefaults() (Options, error) {
	if o.Binary == "" {
		return o, errors.New("fcemu: Options.Binary is required")
	}
	if o.FunctionName == "" {
		o.FunctionName = "function"
	}
	if o.Handler == "" {
		o.Handler = "main"
	}
	if o.MemoryMB <= 0 {
		o.MemoryMB = 512
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Region == "" {
		o.Region = DefaultRegion
	}
	if o.AccountID == "" {
		o.AccountID = DefaultAccountID
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	return o, nil
}

func (o Options) withTimeout() time.Duration {
	if o.Timeout <= 0 {
		return DefaultTimeout
	}
	return o.Timeout
}
