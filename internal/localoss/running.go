package localoss

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// Running is a Server listening on a TCP address.
type Running struct {
	// URL is the base URL, e.g. "http://127.0.0.1:41234"; objects are at URL/<bucket>/<key>.
	URL string
	// Server is the handler being served, for Object and ListKeys.
	Server *Server

	http *http.Server
	done chan error
}

// Start serves a new Server for opts on a free loopback port (127.0.0.1:0).
func Start(opts Options) (*Running, error) { return Listen("127.0.0.1:0", opts) }

// Listen serves a new Server for opts on addr, e.g. "127.0.0.1:9000".
func Listen(addr string, opts Options) (*Running, error) {
	srv, err := New(opts)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	r := &Running{
		URL:    "http://" + ln.Addr().String(),
		Server: srv,
		http:   &http.Server{Handler: srv, ReadHeaderTimeout: 30 * time.Second},
		done:   make(chan error, 1),
	}
	go func() { r.done <- r.http.Serve(ln) }()
	return r, nil
}

// Close stops accepting connections, waits up to 5 seconds for requests in flight, and returns
// once the server has stopped.
func (r *Running) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := r.http.Shutdown(ctx)
	if serveErr := <-r.done; !errors.Is(serveErr, http.ErrServerClosed) && err == nil {
		err = serveErr
	}
	return err
}
