package fcweb

import (
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"
)

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += n
	return n, err
}

// accessLog writes one JSON line per request: no query string, headers or bodies, which may hold
// file names, tokens or signatures.
func accessLog(function string, l *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := requestIDOf(r.Context())
		rl := l.With("requestId", id, "function", function)
		r = r.WithContext(withLogger(r.Context(), rl))
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		rl.Info("access", "method", r.Method, "path", r.URL.Path, "status", sw.status, "bytes", sw.bytes,
			"durationUs", time.Since(start).Microseconds(), "sourceIp", sourceIP(r))
	})
}

func sourceIP(r *http.Request) string {
	// The go1 entry sets RemoteAddr to the event's sourceIp, a bare address (IPv6 too); the custom
	// entry's is the connection's host:port.
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return strings.Trim(r.RemoteAddr, "[]")
}
