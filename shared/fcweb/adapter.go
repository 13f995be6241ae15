package fcweb

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/aliyun/fc-runtime-go-sdk/events"
	"github.com/aliyun/fc-runtime-go-sdk/fc"
	"github.com/aliyun/fc-runtime-go-sdk/fccontext"

	"github.com/fc-oss-upload/fc-oss-upload/shared/config"
	"github.com/fc-oss-upload/fc-oss-upload/shared/ossauth"
	"github.com/fc-oss-upload/fc-oss-upload/shared/rolecred"
	"github.com/fc-oss-upload/fc-oss-upload/shared/upload"
)

// Start runs h as an FC 3.0 go1 function behind an HTTP trigger; it never returns. Events reach
// it through the SDK's runtime API client with at most MaxEventBytes read (see eventLimit), and are
// decoded by InvokeBytes into the SDK's event type.
func Start(h http.Handler) {
	// The SDK's runtime API client uses http.DefaultTransport (fc/runtime_api_client.go
	// newRuntimeAPIClient); this is the only hook that bounds its read. It is set once, before the
	// SDK starts, and passes every other request through.
	http.DefaultTransport = eventLimit{next: http.DefaultTransport, max: MaxEventBytes}
	// FC's initializer (s.yaml's instanceLifecycleConfig.initializer) runs once per instance before
	// its first request; a handler that can warm up (Initializer) does so there.
	fc.RegisterInitializerFunction(func(ctx context.Context) {
		if in, ok := h.(Initializer); ok {
			ctx, _ = invocationContext(ctx, "")
			in.Initialize(ctx)
		}
	})
	fc.Start(Adapter{Handler: h}.InvokeBytes)
}

// Main is a function's whole main: it loads the function's settings from the environment, builds
// its handler with the function role's credentials and serves it: as a go1 function when the go1
// runtime started it (FC_RUNTIME_API is set, the one variable the SDK needs), else as a custom
// runtime's HTTP server (Serve). Only the entry differs; the handler is the same. An invalid
// setting ends the process (status 2) with a message naming each one to fix.
func Main(function string, build func(config.Config, rolecred.Provider) (http.Handler, error)) {
	cfg, err := config.Load(function, os.Getenv)
	if err == nil {
		var h http.Handler
		if h, err = build(cfg, &rolecred.Source{}); err == nil {
			if os.Getenv("FC_RUNTIME_API") != "" {
				Start(h)
				return
			}
			err = Serve(h)
		}
	}
	fmt.Fprintln(os.Stderr, err)
	os.Exit(2)
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
	rec := newRecorder()
	ctx, requestID := invocationContext(ctx, str(ev.TriggerContext.RequestId))
	defer func() {
		if p := recover(); p != nil {
			slog.Error("handler panic", "requestId", requestID, "panic", fmt.Sprint(p))
			rec = newRecorder()
			r, _ := http.NewRequestWithContext(ctx, http.MethodGet, "/", nil)
			WriteError(rec, r, upload.Errorf(upload.CodeInternal, "internal error"))
			resp = rec.response()
		}
	}()
	req, err := Request(ctx, ev)
	if err != nil {
		r, _ := http.NewRequestWithContext(ctx, http.MethodGet, "/", nil)
		WriteError(rec, r, err)
		return rec.response(), nil
	}
	a.Handler.ServeHTTP(rec, req)
	return rec.response(), nil
}

// invocationContext returns ctx carrying what the go1 runtime passed with the invocation (the
// function role's credentials and the request id, fallback when FC passed none), as the custom
// runtime entry (Serve) does from the request's x-fc-* headers.
func invocationContext(ctx context.Context, fallbackID string) (context.Context, string) {
	requestID := fallbackID
	if fctx, ok := fccontext.FromContext(ctx); ok {
		if fctx.RequestID != "" {
			requestID = fctx.RequestID
		}
		c := fctx.Credentials
		ctx = rolecred.WithInvocation(ctx, ossauth.Credentials{AccessKeyID: c.AccessKeyId, AccessKeySecret: c.AccessKeySecret, SecurityToken: c.SecurityToken})
	}
	return WithRequestID(ctx, requestID), requestID
}

// refuse answers an event that is not handed to the handler, with err as a JSON error.
func (a Adapter) refuse(ctx context.Context, err error) (*events.HTTPTriggerResponse, error) {
	ctx, _ = invocationContext(ctx, "")
	rec := newRecorder()
	r, _ := http.NewRequestWithContext(ctx, http.MethodPost, "/", nil)
	WriteError(rec, r, err)
	return rec.response(), nil
}

// Request converts an HTTP trigger event into an *http.Request with ctx.
func Request(ctx context.Context, ev events.HTTPTriggerEvent) (*http.Request, error) {
	method := strings.ToUpper(str(ev.TriggerContext.Http.Method))
	if method == "" {
		return nil, upload.Errorf(upload.CodeInvalidArgument, "the trigger event has no HTTP method")
	}
	path := str(ev.RawPath)
	if path == "" {
		path = str(ev.TriggerContext.Http.Path)
	}
	if path == "" {
		path = "/"
	}
	u, err := url.Parse(path)
	if err != nil || !strings.HasPrefix(u.Path, "/") {
		return nil, upload.Errorf(upload.CodeInvalidArgument, "request path %q is not valid", path)
	}
	u.RawQuery = ""
	if ev.QueryParameters != nil {
		q := url.Values{}
		for k, v := range *ev.QueryParameters {
			q.Set(k, v)
		}
		u.RawQuery = q.Encode()
	}
	var body []byte
	if b := str(ev.Body); b != "" {
		if ev.IsBase64Encoded != nil && *ev.IsBase64Encoded {
			if body, err = base64.StdEncoding.DecodeString(b); err != nil {
				return nil, upload.Errorf(upload.CodeInvalidArgument, "request body is marked base64 but is not")
			}
		} else {
			body = []byte(b)
		}
	}
	r, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, upload.Errorf(upload.CodeInvalidArgument, "request is not valid: %v", err)
	}
	if ev.Headers != nil {
		// Sorted, and added rather than set: names that differ only in case keep every value,
		// in a fixed order, so nothing depends on map order (see UploadDir).
		names := make([]string, 0, len(*ev.Headers))
		for k := range *ev.Headers {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			r.Header.Add(k, (*ev.Headers)[k])
		}
	}
	r.Host = r.Header.Get("Host")
	if r.Host == "" {
		r.Host = str(ev.TriggerContext.DomainName)
	}
	r.RemoteAddr = str(ev.TriggerContext.Http.SourceIp)
	r.RequestURI = u.RequestURI()
	return r, nil
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// recorder is an http.ResponseWriter that buffers the response for the trigger.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newRecorder() *recorder { return &recorder{header: http.Header{}} }

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}

var _ io.Writer = (*recorder)(nil)

func (r *recorder) response() *events.HTTPTriggerResponse {
	status := r.status
	if status == 0 {
		status = http.StatusOK
	}
	headers := make(map[string]string, len(r.header))
	for k, v := range r.header {
		headers[k] = strings.Join(v, ", ")
	}
	out := &events.HTTPTriggerResponse{StatusCode: status, Headers: headers}
	if textual(r.header.Get("Content-Type")) && utf8.Valid(r.body.Bytes()) {
		out.Body = r.body.String()
	} else if r.body.Len() > 0 {
		out.Body = base64.StdEncoding.EncodeToString(r.body.Bytes())
		out.IsBase64Encoded = true
	}
	return out
}

func textual(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return ct == ""
	}
	return strings.HasPrefix(mt, "text/") || mt == "application/json" || mt == "application/javascript" ||
		mt == "application/xml" || mt == "image/svg+xml"
}
