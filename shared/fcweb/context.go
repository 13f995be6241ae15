package fcweb

import (
	"context"
	"log/slog"

	"github.com/fc-oss-upload/fc-oss-upload/shared/ossauth"
)

type requestIDKey struct{}
type loggerKey struct{}

// withRequestID returns ctx carrying the FC request id.
func withRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// requestIDOf returns the FC request id of the request, or "".
func requestIDOf(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// Logger returns the request's logger (with its request id), or slog's default.
func Logger(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey{}).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}

func withLogger(ctx context.Context, l *slog.Logger) context.Context {
	return context.WithValue(ctx, loggerKey{}, l)
}

type credentialsKey struct{}

// withCredentials returns ctx carrying the function role's credentials FC passed with the
// invocation (go1: the SDK's context; custom runtime: the x-fc-* headers).
func withCredentials(ctx context.Context, c ossauth.Credentials) context.Context {
	return context.WithValue(ctx, credentialsKey{}, c)
}

// Credentials returns the invocation's credentials, if ctx carries complete ones
// (rolecred.Source.Invocation).
func Credentials(ctx context.Context) (ossauth.Credentials, bool) {
	c, ok := ctx.Value(credentialsKey{}).(ossauth.Credentials)
	return c, ok && c.Valid()
}
