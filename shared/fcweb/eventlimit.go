package fcweb

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/aliyun/fc-runtime-go-sdk/events"

	"github.com/fc-oss-upload/fc-oss-upload/shared/upload"
)

// maxEventBytes bounds the HTTP trigger event (the JSON FC hands a go1 function) that is read into
// memory and decoded. No event the functions accept comes near it: a request body is at most 64 KiB
// (Options.MaxBodyBytes), which the event carries at most 6 times larger (JSON escapes such as
// \u0001) or 4/3 larger (base64), plus at most 8 KB of headers and 4 KB of path (FC's HTTP request
// limits, https://www.alibabacloud.com/help/en/functioncompute/fc/user-guide/code-development-in-custom-container-runtimes).
// FC itself lets a 32 MB body through (https://alibabacloud.com/help/en/functioncompute/fc-3-0/http-body-be-modified),
// whose event is larger still; a larger event is answered 413 without being kept in memory.
const maxEventBytes = 1 << 20

// tooLargeMark starts the payload the runtime API transport substitutes for an event over the limit.
// A real event is a JSON object, so it starts with '{' (or white space): never with a NUL byte.
var tooLargeMark = []byte("\x00fc-oss-upload: event too large: ")

// eventLimit is the http.RoundTripper of the fc-runtime-go-sdk's runtime API client. The SDK (v0.3.1)
// reads every event whole into a growing bytes.Buffer (fc/runtime_api_client.go next), so a 43 MB
// event (a 32 MB binary body in base64) alone costs a 64 MB buffer plus the 32 MB one it grew from,
// before any handler runs. eventLimit reads the GET .../invocation/next answer first, up to max
// bytes: a larger one is drained in 32 KiB steps and replaced by a short tooLargeMark payload, which
// invokeBytes answers with 413. Every other request is answered http.ErrSkipAltProtocol: the
// transport that registered eventLimit for "http" then sends it itself.
type eventLimit struct {
	next http.RoundTripper
	max  int64
}

// limitEvents makes t read the runtime API's events through eventLimit, as the handler for the
// "http" scheme that t consults before sending a request itself (http.Transport.RegisterProtocol);
// t stays an *http.Transport. Replacing http.DefaultTransport with another type would break
// libraries that assert it: credentials-go v1.4.14 clones it as
// http.DefaultTransport.(*http.Transport) for every HTTP credential provider of its default chain
// (credentials/internal/http/http.go), which then panics in a function FC passed no credentials.
// A clone of t does not carry the registration (http.Transport.Clone copies no protocols).
func limitEvents(t *http.Transport, max int64) {
	t.RegisterProtocol("http", eventLimit{next: t.Clone(), max: max})
}

func (t eventLimit) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/runtime/invocation/next") {
		return nil, http.ErrSkipAltProtocol
	}
	resp, err := t.next.RoundTrip(r)
	if err != nil || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	var buf bytes.Buffer
	if resp.ContentLength >= 0 && resp.ContentLength <= t.max {
		buf.Grow(int(resp.ContentLength))
	}
	n, err := io.Copy(&buf, io.LimitReader(resp.Body, t.max+1))
	if err == nil && n > t.max {
		var rest int64
		rest, err = io.Copy(io.Discard, resp.Body)
		n += rest
		buf.Reset()
		buf.Write(tooLargeMark)
		buf.WriteString(strconv.FormatInt(n, 10))
	}
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("fcweb: reading the event: %w", err)
	}
	resp.Body = io.NopCloser(&buf)
	resp.ContentLength = int64(buf.Len())
	return resp, nil
}

// invokeBytes handles one HTTP trigger event given as the raw payload: an event over maxEventBytes
// (or the transport's mark of one) gets 413 without being decoded; any other is decoded into the
// SDK's events.HTTPTriggerEvent and handled by Invoke.
func (a Adapter) invokeBytes(ctx context.Context, payload []byte) (*events.HTTPTriggerResponse, error) {
	if size, ok := bytes.CutPrefix(payload, tooLargeMark); ok || len(payload) > maxEventBytes {
		if !ok {
			size = []byte(strconv.Itoa(len(payload)))
		}
		return a.refuse(ctx, upload.Errorf(upload.CodePayloadTooLarge,
			"the request is too large (its trigger event has %s bytes); send at most 64 KiB of body", size))
	}
	var ev events.HTTPTriggerEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		return a.refuse(ctx, upload.Errorf(upload.CodeInvalidArgument, "the trigger event is not valid JSON"))
	}
	return a.Invoke(ctx, ev)
}
