package osscallback

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"syscall"
)

// ErrorKind names the kind of a failed HTTP exchange ("timeout", "connection refused", "dns",
// "tls", "status", ...) without its text: Go's *url.Error prints the whole request URL, and a
// webhook URL may carry a token in its query (e.g. DingTalk's ?access_token=), so logs get the kind,
// the status and the host, never the error's text.
func ErrorKind(err error) string {
	var (
		dnsErr   *net.DNSError
		netErr   net.Error
		opErr    *net.OpError
		certErr  *tls.CertificateVerificationError
		unknown  x509.UnknownAuthorityError
		hostErr  x509.HostnameError
		recErr   tls.RecordHeaderError
		alertErr tls.AlertError
	)
	switch {
	case err == nil:
		return ""
	case errors.Is(err, errStatus):
		return "status"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.As(err, &dnsErr):
		return "dns"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.As(err, &certErr), errors.As(err, &unknown), errors.As(err, &hostErr), errors.As(err, &recErr), errors.As(err, &alertErr):
		return "tls"
	case errors.As(err, &opErr):
		return "network"
	}
	return "other"
}
