// Command echo is the test handler for fcemu: a real fc-runtime-go-sdk HTTP-trigger handler whose
// behaviour is chosen by the request path.
//
//	/panic    panics
//	/error    returns a Go error
//	/sleep    sleeps past any deadline, ignoring the context
//	/binary   answers 256 bytes 0x00..0xff base64-encoded
//	/null     returns a nil response (the payload is JSON null)
//	/badb64   claims a base64 body that is not base64
//	/exit     exits the process with status 3
//	/status   answers statusCode from ?code= and header X-Custom from ?h=
//	anything else: 200 with a JSON echo of the event, fccontext and selected environment variables
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/aliyun/fc-runtime-go-sdk/events"
	"github.com/aliyun/fc-runtime-go-sdk/fc"
	"github.com/aliyun/fc-runtime-go-sdk/fccontext"
)

type echo struct {
	Event       json.RawMessage   `json:"event"`
	RequestID   string            `json:"requestId"`
	Credentials map[string]string `json:"credentials"`
	Function    map[string]string `json:"function"`
	Region      string            `json:"region"`
	AccountID   string            `json:"accountId"`
	Deadline    bool              `json:"hasDeadline"`
	Env         map[string]string `json:"env"`
	Initialized bool              `json:"initialized"`
}

var initialized atomic.Bool

func handle(ctx context.Context, ev events.HTTPTriggerEvent) (*events.HTTPTriggerResponse, error) {
	path := ""
	if ev.TriggerContext.Http.Path != nil {
		path = *ev.TriggerContext.Http.Path
	}
	query := map[string]string{}
	if ev.QueryParameters != nil {
		query = *ev.QueryParameters
	}
	switch path {
	case "/panic":
		panic("boom: the handler panicked")
	case "/error":
		return nil, errors.New("handler failed on purpose")
	case "/sleep":
		time.Sleep(time.Hour)
	case "/binary":
		b := make([]byte, 256)
		for i := range b {
			b[i] = byte(i)
		}
		return &events.HTTPTriggerResponse{
			StatusCode:      200,
			Headers:         map[string]string{"Content-Type": "application/octet-stream"},
			IsBase64Encoded: true,
			Body:            base64.StdEncoding.EncodeToString(b),
		}, nil
	case "/null":
		return nil, nil
	case "/badb64":
		return &events.HTTPTriggerResponse{StatusCode: 200, IsBase64Encoded: true, Body: "***"}, nil
	case "/exit":
		os.Exit(3)
	case "/status":
		code, _ := strconv.Atoi(query["code"])
		return &events.HTTPTriggerResponse{
			StatusCode: code,
			Headers:    map[string]string{"X-Custom": query["h"], "Content-Type": "text/plain; charset=utf-8"},
			Body:       "status " + query["code"],
		}, nil
	}

	raw, err := json.Marshal(ev)
	if err != nil {
		return nil, err
	}
	out := echo{Event: raw, Env: map[string]string{}, Initialized: initialized.Load()}
	if fctx, ok := fccontext.FromContext(ctx); ok {
		out.RequestID = fctx.RequestID
		out.Credentials = map[string]string{
			"accessKeyId":     fctx.Credentials.AccessKeyId,
			"accessKeySecret": fctx.Credentials.AccessKeySecret,
			"securityToken":   fctx.Credentials.SecurityToken,
		}
		out.Function = map[string]string{
			"name":    fctx.Function.Name,
			"handler": fctx.Function.Handler,
			"memory":  fctx.Function.Memory,
			"timeout": strconv.Itoa(fctx.Function.Timeout),
		}
		out.Region, out.AccountID = fctx.Region, fctx.AccountId
	}
	_, out.Deadline = ctx.Deadline()
	for _, k := range []string{"HOME", "FC_RUNTIME_API", "FC_FUNCTION_NAME", "FC_REGION", "ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ECHO_EXTRA"} {
		if v, ok := os.LookupEnv(k); ok {
			out.Env[k] = v
		}
	}
	body, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	return &events.HTTPTriggerResponse{
		StatusCode: 200,
		Headers:    map[string]string{"Content-Type": "application/json", "X-Echo": "yes"},
		Body:       string(body),
	}, nil
}

func main() {
	fc.RegisterInitializerFunction(func(ctx context.Context) { initialized.Store(true) })
	fc.Start(handle)
}
