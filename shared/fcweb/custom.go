package fcweb

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/shared/ossauth"
)

// The headers FC adds to every request it forwards to a custom runtime: the request id and the
// function role's temporary credentials (FC docs, "Context and log format" of custom runtimes,
// https://www.alibabacloud.com/help/en/functioncompute/fc/context-and-log-format-1, and
// "Specifications", https://www.alibabacloud.com/help/en/fc/user-guide/specification-details).
// Clients cannot send x-fc-* headers themselves: FC refuses requests with custom x-fc- headers
// (FC docs, "Web functions", limits on HTTP requests).
const (
	headerRequestID       = "X-Fc-Request-Id"
	headerAccessKeyID     = "X-Fc-Access-Key-Id"
	headerAccessKeySecret = "X-Fc-Access-Key-Secret"
	headerSecurityToken   = "X-Fc-Security-Token"
)

// customTimeout is each request's deadline on the custom runtime entry: FC passes no deadline to a
// custom runtime (it closes the connection at the function's timeout, which also ends the request's
// context), so this is s.yaml's timeout (vars.timeout, 10 s). The credential cache answers 503 a
// second before it.
const customTimeout = 10 * time.Second

// customEntry returns the handler of the custom runtime entry: each request gets, in its context, what
// the go1 entry takes from the SDK's context (the role credentials and the request id, see
// invocationContext) and a deadline of timeout; the x-fc-* headers are removed before h sees the
// request. h is the same handler the go1 entry serves, body limit included (New checks
// Content-Length before anything is read).
func customEntry(h http.Handler, timeout time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		c := ossauth.Credentials{
			AccessKeyID:     r.Header.Get(headerAccessKeyID),
			AccessKeySecret: r.Header.Get(headerAccessKeySecret),
			SecurityToken:   r.Header.Get(headerSecurityToken),
		}
		if c.Valid() {
			ctx = withCredentials(ctx, c)
		}
		ctx = withRequestID(ctx, r.Header.Get(headerRequestID))
		for k := range r.Header {
			if strings.HasPrefix(strings.ToLower(k), "x-fc-") {
				delete(r.Header, k)
			}
		}
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

// serveCustom runs h as an FC custom runtime: a plain HTTP server on FC_SERVER_PORT (default 9000, the
// port s.yaml's customRuntimeConfig names), every request through customEntry. It returns only when the
// server fails.
func serveCustom(h http.Handler) error {
	port := os.Getenv("FC_SERVER_PORT")
	if port == "" {
		port = "9000"
	}
	// FCWEB_LISTEN_HOST narrows the listener (the local emulator uses 127.0.0.1); on FC it is unset
	// and the server listens on every interface, as FC requires.
	ln, err := net.Listen("tcp", net.JoinHostPort(os.Getenv("FCWEB_LISTEN_HOST"), port))
	if err != nil {
		return fmt.Errorf("fcweb: custom runtime: listen on FC_SERVER_PORT %s: %w", port, err)
	}
	if in, ok := h.(Initializer); ok {
		// A custom runtime has no initializer call here: warm up alongside the first requests, with
		// the role credentials FC puts in the environment (rolecred's fallback).
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), customTimeout)
			defer cancel()
			in.Initialize(ctx)
		}()
	}
	srv := &http.Server{Handler: customEntry(h, customTimeout), ReadHeaderTimeout: 10 * time.Second, MaxHeaderBytes: 64 << 10}
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("fcweb: custom runtime: %w", err)
	}
	return nil
}
