package fakests

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/internal/localcred"
)

// Role is one RAM role the fake STS lets callers assume.
type Role struct {
	// Policy is the role's own permission policy (JSON). Optional. Issued keys carry it as their
	// identity policy; see the package doc.
	Policy string
	// Principals lists the AccessKeyIDs allowed to assume the role. Optional; empty means any key
	// known to the registry. Others get NoPermission.
	Principals []string
}

// Options configures a Server.
type Options struct {
	// Registry is where caller keys are looked up and issued keys are registered. Required.
	Registry *localcred.Registry
	// Roles maps a role ARN (acs:ram::<uid>:role/<name>) to the role. Optional; an unknown RoleArn
	// gets EntityNotExist.Role.
	Roles map[string]Role
	// MaxSessionDuration is the largest DurationSeconds accepted. Optional; default 1 hour.
	MaxSessionDuration time.Duration
	// ExpiringLifetime is the credential lifetime issued under FaultExpiringCredentials. Optional;
	// default 60 seconds (inside credentials-go's 180 s early-refresh window).
	ExpiringLifetime time.Duration
	// Now is the clock for Timestamp checks and Expiration. Optional; nil means time.Now.
	Now func() time.Time
	// Logger receives one line per call. Optional; nil discards.
	Logger *slog.Logger
	// RateLimit is the AssumeRole calls admitted per second (sliding 1-second window); calls beyond
	// it are answered Throttling.User (HTTP 400), as STS answers calls over its limit. Optional; 0
	// means no limit; DefaultRateLimit is STS's.
	RateLimit int
}

// Server is the fake STS. It is an http.Handler; Start serves it on a loopback port. Safe for
// concurrent use.
type Server struct {
	reg      *localcred.Registry
	roles    map[string]Role
	maxDur   time.Duration
	expiring time.Duration
	now      func() time.Time
	log      *slog.Logger

	done      chan struct{} // closed by Close: releases hanging calls
	closeOnce sync.Once

	mu     sync.Mutex
	nonces map[string]time.Time // nonce -> when it was used
	faults []Fault
	delay  time.Duration
	jitter time.Duration
	stats  Stats
	last   *Request

	rate     int
	admitted []time.Time // ring of the last rate admissions (see throttled)
	ringAt   int

	srvMu sync.Mutex
	srv   *http.Server
	ln    net.Listener
}

// New checks the options and returns a Server. It does not listen; use Start or mount it as an
// http.Handler.
func New(opts Options) (*Server, error) {
	if opts.Registry == nil {
		return nil, errors.New("fakests: Options.Registry is required")
	}
	s := &Server{
		reg:      opts.Registry,
		roles:    make(map[string]Role, len(opts.Roles)),
		maxDur:   opts.MaxSessionDuration,
		expiring: opts.ExpiringLifetime,
		now:      opts.Now,
		log:      opts.Logger,
		done:     make(chan struct{}),
		nonces:   map[string]time.Time{},
		rate:     opts.RateLimit,
	}
	for arn, r := range opts.Roles {
		if r.Policy != "" {
			if err := checkPolicy(r.Policy); err != nil {
				return nil, fmt.Errorf("fakests: Options.Roles[%q].Policy: %v", arn, err)
			}
		}
		s.roles[arn] = r
	}
	if s.maxDur == 0 {
		s.maxDur = time.Hour
	}
	if s.maxDur < 15*time.Minute {
		return nil, fmt.Errorf("fakests: Options.MaxSessionDuration %v is below the 900 s minimum", s.maxDur)
	}
	if s.expiring <= 0 {
		s.expiring = time.Minute
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s, nil
}

// Start serves the Server on 127.0.0.1 at an ephemeral port and returns "127.0.0.1:PORT", the value
// for openapi.Config.Endpoint (with Protocol "http"). Call Close to stop it.
func (s *Server) Start() (string, error) {
	s.srvMu.Lock()
	defer s.srvMu.Unlock()
	if s.srv != nil {
		return "", errors.New("fakests: already started")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("fakests: listen: %w", err)
	}
	s.ln = ln
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return ln.Addr().String(), nil
}

// Addr returns the address Start listens on, or "" before Start.
func (s *Server) Addr() string {
	s.srvMu.Lock()
	defer s.srvMu.Unlock()
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// Close releases calls held by FaultHang and, if Start was called, stops the listener and drops open
// connections. The Server must not be used afterwards.
func (s *Server) Close() error {
	s.closeOnce.Do(func() { close(s.done) })
	s.srvMu.Lock()
	defer s.srvMu.Unlock()
	if s.srv == nil {
		return nil
	}
	return s.srv.Close()
}

// SetDelay makes every later response wait d plus a uniformly random extra in [0, jitter) before it is
// written (e.g. 30 ms and 20 ms for a realistic 30-50 ms). A client that gives up ends the wait.
func (s *Server) SetDelay(d, jitter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay, s.jitter = d, jitter
}

// wait sleeps for d unless the request or the server ends first; it reports whether to go on.
func (s *Server) wait(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.done:
		return false
	}
}

// discard drains a little of an unread body so keep-alive connections can be reused.
func discard(r io.Reader) { _, _ = io.CopyN(io.Discard, r, 1<<16) }
