package fcweb

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/aliyun/fc-runtime-go-sdk/events"
	"github.com/aliyun/fc-runtime-go-sdk/fc"
	"github.com/aliyun/fc-runtime-go-sdk/fccontext"
	"github.com/fc-oss-upload/fc-oss-upload/shared/ossauth"
	"github.com/fc-oss-upload/fc-oss-upload/shared/upload"
)

// startGo1 runs h as an FC 3.0 go1 function behind an HTTP trigger; it never returns. Events reach
// it through the SDK's runtime API client with at most maxEventBytes read (see eventLimit), and are
// decoded by invokeBytes into the SDK's event type.
func startGo1(h http.Handler) {
	// The SDK's runtime API client uses http.DefaultTransport (fc/runtime_api_client.go
	// newRuntimeAPIClient: an http.Client with no Transport); this is the only hook that bounds its
	// read. It is set once, before the SDK starts, and leaves http.DefaultTransport the
	// *http.Transport it is (nothing in the functions replaces it), which other libraries assert
	// (see limitEvents).
	limitEvents(http.DefaultTransport.(*http.Transport), maxEventBytes)
	// FC's initializer (s.yaml's instanceLifecycleConfig.initializer) runs once per instance before
	// its first request; a handler that can warm up (Initializer) does so there.
	fc.RegisterInitializerFunction(func(ctx context.Context) {
		if in, ok := h.(Initializer); ok {
			ctx, _ = invocationContext(ctx, "")
			in.Initialize(ctx)
		}
	})
	fc.Start(Adapter{Handler: h}.invokeBytes)
}

// Initializer is a handler that can prepare for its first request (the sts function fetches its
// credentials) when FC runs the function's initializer. Failures only leave it cold.
type Initializer interface {
	Initialize(ctx context.Context)
}

// Adapter turns HTTP trigger events into requests for Handler.
type Adapter struct {
	Handler http.Handler
}

// Invoke handles one HTTP trigger event. Every outcome, including a bad event or a panic, is an
// HTTP response; the error result is never used, so FC never sees a function error.
func (a Adapter) Invoke(ctx context.Context, ev events.HTTPTriggerEvent) (resp *events.HTTPTriggerResponse, _ error) {
	ctx, requestID := invocationContext(ctx, str(ev.TriggerContext.RequestId))
	defer func() {
		if p := recover(); p != nil {
			slog.Error("handler panic", "requestId", requestID, "panic", fmt.Sprint(p))
			resp = errorResponse(ctx, upload.Errorf(upload.CodeInternal, "internal error"))
		}
	}()
	req, err := newRequest(ctx, ev)
	if err != nil {
		return errorResponse(ctx, err), nil
	}
	rec := newRecorder()
	a.Handler.ServeHTTP(rec, req)
	return rec.response(), nil
}

// invocationContext returns ctx carrying what the go1 runtime passed with the invocation (the
// function role's credentials and the request id, fallback when FC passed none), as the custom
// runtime entry (serveCustom) does from the request's x-fc-* headers.
func invocationContext(ctx context.Context, fallbackID string) (context.Context, string) {
	requestID := fallbackID
	if fctx, ok := fccontext.FromContext(ctx); ok {
		if fctx.RequestID != "" {
			requestID = fctx.RequestID
		}
		c := fctx.Credentials
		ctx = withCredentials(ctx, ossauth.Credentials{AccessKeyID: c.AccessKeyId, AccessKeySecret: c.AccessKeySecret, SecurityToken: c.SecurityToken})
	}
	return withRequestID(ctx, requestID), requestID
}

// refuse answers an event that is not handed to the handler, with err as a JSON error.
func (a Adapter) refuse(ctx context.Context, err error) (*events.HTTPTriggerResponse, error) {
	ctx, _ = invocationContext(ctx, "")
	return errorResponse(ctx, err), nil
}

// errorResponse is the trigger response of err as a JSON error.
func errorResponse(ctx context.Context, err error) *events.HTTPTriggerResponse {
	rec := newRecorder()
	r, _ := http.NewRequestWithContext(ctx, http.MethodGet, "/", nil)
	WriteError(rec, r, err)
	return rec.response()
}
