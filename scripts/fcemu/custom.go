package fcemu

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// CustomInstance is one process of a function on a custom runtime (FC custom.debian12): the binary
// is an HTTP server on the port FC gives it (FC_SERVER_PORT), and each request is forwarded to it as
// is, with the x-fc-* headers FC adds (request id, the role's credentials; FC docs, "Context and log
// format" of custom runtimes, https://www.alibabacloud.com/help/en/functioncompute/fc/context-and-log-format-1).
// The front behaves like Function's: Options.Authorize, Options.MaxBodyBytes (413), Options.Timeout
// (504), and a client's own x-fc-* header is refused with 400 as FC does (FC docs, "Web functions",
// limits on HTTP requests). Options.Concurrency is not enforced here (Pool does).
type CustomInstance struct {
	opts   Options
	cmd    *exec.Cmd
	home   string
	proxy  *httputil.ReverseProxy
	exited chan struct{}
}

// StartCustom starts the binary as a custom runtime and returns once it accepts connections on its
// port (within ctx).
func StartCustom(ctx context.Context, opts Options) (*CustomInstance, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	home, err := os.MkdirTemp("", "fcemu-home-")
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		os.RemoveAll(home)
		return nil, err
	}
	addr := ln.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	ln.Close()
	env := childEnv(o, home, "FC_SERVER_PORT="+port, "FC_CUSTOM_LISTEN_PORT="+port,
		"FCWEB_LISTEN_HOST=127.0.0.1") // loopback only here; on FC the server listens on every interface
	cmd := exec.Command(o.Binary)
	cmd.Env, cmd.Dir, cmd.Stdout, cmd.Stderr, cmd.WaitDelay = env, filepath.Dir(o.Binary), o.Stdout, o.Stderr, time.Second
	if err := cmd.Start(); err != nil {
		os.RemoveAll(home)
		return nil, fmt.Errorf("fcemu: start %s: %w", o.Binary, err)
	}
	c := &CustomInstance{opts: o, cmd: cmd, home: home, exited: make(chan struct{})}
	go func() { cmd.Wait(); close(c.exited) }()
	target := &url.URL{Scheme: "http", Host: addr}
	c.proxy = &httputil.ReverseProxy{
		// As the go1 front (event.go) says which scheme the client used, so does this one:
		// X-Forwarded-Proto (and -For, -Host), a client's own replaced.
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.Host = pr.In.Host
			pr.SetXForwarded()
			if o.NoForwardedProto {
				pr.Out.Header.Del("X-Forwarded-Proto")
			}
		},
		Transport:    &http.Transport{MaxIdleConnsPerHost: 256, DisableCompression: true},
		ErrorHandler: c.proxyError,
	}
	// Wait for the server to listen (FC, too, waits for the port before it sends the first request).
	d := net.Dialer{}
	for wait := time.Millisecond; ; wait = min(2*wait, 50*time.Millisecond) {
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			conn.Close()
			return c, nil
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-c.exited:
			c.Close()
			return nil, fmt.Errorf("fcemu: custom runtime exited before listening on FC_SERVER_PORT %s", port)
		case <-ctx.Done():
			t.Stop()
			c.Close()
			return nil, ctx.Err()
		}
	}
}

type timeoutKey struct{}

func (c *CustomInstance) proxyError(w http.ResponseWriter, r *http.Request, err error) {
	id := r.Header.Get("X-Fc-Request-Id")
	if errors.Is(r.Context().Err(), context.DeadlineExceeded) && r.Context().Value(timeoutKey{}) != nil {
		writeJSONError(w, http.StatusGatewayTimeout, "FunctionTimeout", fmt.Sprintf("function timed out after %v", c.opts.Timeout), id)
		return
	}
	writeJSONError(w, http.StatusBadGateway, "InstanceExited", "the custom runtime did not answer: "+err.Error(), id)
}

// ServeHTTP forwards one request to the instance.
func (c *CustomInstance) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := newRequestID(c.opts.Now())
	w.Header().Set("X-Fc-Request-Id", id)
	for k := range r.Header {
		if strings.HasPrefix(strings.ToLower(k), "x-fc-") {
			writeJSONError(w, http.StatusBadRequest, "InvalidArgument", "request headers may not start with x-fc-", id)
			return
		}
	}
	if c.opts.Authorize != nil {
		claims, err := c.opts.Authorize(r)
		if err != nil {
			writeJSONError(w, http.StatusUnauthorized, "Unauthorized", "request rejected by the trigger authorizer: "+err.Error(), id)
			return
		}
		for k, v := range claims {
			r.Header.Set(k, v)
		}
	}
	if r.ContentLength > c.opts.MaxBodyBytes {
		writeJSONError(w, http.StatusRequestEntityTooLarge, "PayloadTooLarge", tooLarge(c.opts.MaxBodyBytes), id)
		return
	}
	if r.Body != nil {
		r.Body = http.MaxBytesReader(w, r.Body, c.opts.MaxBodyBytes)
	}
	out := r.Clone(r.Context())
	out.Header.Set("X-Fc-Request-Id", id)
	if c.opts.Credentials != nil {
		ak, sk, tok := c.opts.Credentials()
		out.Header.Set("X-Fc-Access-Key-Id", ak)
		out.Header.Set("X-Fc-Access-Key-Secret", sk)
		out.Header.Set("X-Fc-Security-Token", tok)
	}
	ctx, cancel := context.WithTimeout(context.WithValue(r.Context(), timeoutKey{}, true), c.opts.Timeout)
	defer cancel()
	start := time.Now()
	c.proxy.ServeHTTP(w, out.WithContext(ctx))
	c.opts.Logger.Info("invocation", "requestId", id, "function", c.opts.FunctionName, "method", r.Method,
		"path", r.URL.Path, "durationMs", time.Since(start).Milliseconds())
}

// Close kills the process and removes its HOME.
func (c *CustomInstance) Close() error {
	_ = c.cmd.Process.Kill()
	<-c.exited
	return os.RemoveAll(c.home)
}

// PID returns the process id of the instance.
func (c *CustomInstance) PID() int { return c.cmd.Process.Pid }
