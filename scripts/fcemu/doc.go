// Package fcemu runs a real, built Function Compute 3.0 Go handler (runtime go1, built with
// github.com/aliyun/fc-runtime-go-sdk) on this machine: it starts the binary as a child process,
// serves the FC runtime API the SDK polls, and fronts the function with an http.Handler that turns
// real HTTP requests into HTTP-trigger events and the handler's answer back into HTTP.
//
// # Pieces
//
//   - Options / Start: start a function; the child gets a clean environment (PATH, HOME=<temp dir>,
//     FC_RUNTIME_API, the FC_* variables FC sets, then Options.Env). The parent's ALIBABA_CLOUD_*
//     variables never reach it.
//   - The runtime API (runtimeapi.go), on a loopback listener: GET /2020-11-11/runtime/invocation/next
//     blocks until an invocation is queued and answers 200 with the event as body and the invocation
//     headers (x-fc-request-id, x-fc-function-deadline in epoch ms, x-fc-function-timeout in seconds,
//     x-fc-function-type, x-fc-access-key-id/-secret/x-fc-security-token from Options.Credentials,
//     name/handler/memory/region/account); POST .../invocation/{id}/response and .../{id}/error
//     deliver the result to the waiting caller. Several /next may be outstanding (the SDK runs
//     invocations concurrently); at most Options.Concurrency invocations are handed out at once.
//   - Function.Invoke: send any event bytes, get the posted result back (Result). For tests.
//   - Function.ServeHTTP: the HTTP trigger (front.go, event.go).
//   - CustomInstance (custom.go): the same binary as a custom runtime, an HTTP server on
//     FC_SERVER_PORT, each request forwarded with FC's x-fc-request-id and role-credential headers.
//   - Pool (pool.go): a function scaled like FC scales it: go1 one request per instance (a new
//     process per concurrent request), custom runtime up to Scaling.InstanceConcurrency per instance,
//     at most Scaling.MaxInstances, Scaling.Provisioned started ahead (provisionConfig).
//
// # HTTP trigger mapping
//
// The request becomes the FC 3.0 event {version:"v1", rawPath, body, isBase64Encoded, headers,
// queryParameters, requestContext{accountId, domainName, domainPrefix, http{method, path, protocol,
// sourceIp, userAgent}, requestId, time, timeEpoch}}. The body is base64 with isBase64Encoded=true
// when it is not valid UTF-8 or its Content-Type is not a text type (text/*, JSON, XML,
// form-urlencoded, multipart/form-data, JavaScript). Headers and query parameters are single strings,
// repeated values joined with ",". Claims returned by Options.Authorize are added as headers.
// domainName is Options.DomainName, or the request's Host.
//
// The handler's /response payload must be an HTTPTriggerResponse JSON object
// {statusCode, headers, isBase64Encoded, body}; its status, headers and (base64-decoded) body are
// written back. Every answer carries X-Fc-Request-Id. Failures are answered by the emulator with the
// JSON body {"errorType","errorMessage","requestId"}:
//
//	401 Unauthorized            Options.Authorize returned an error (the function is not invoked)
//	413 PayloadTooLarge         request body over Options.MaxBodyBytes (default 32 MiB)
//	502 <the function's type>   the function posted to /error: returned error or panic (no stack trace;
//	                            header X-Fc-Error-Type: UnhandledInvocationError)
//	502 InvalidFunctionResponse the payload is not a valid HTTPTriggerResponse (null, not JSON, no
//	                            statusCode or one outside 100-599, bad base64 body)
//	502 InstanceExited          the child process died while the invocation was in flight
//	503 FunctionClosed          the Function is closed
//	504 FunctionTimeout         no result before the deadline (Options.Timeout)
//
// # Lifecycle and failures
//
// A panic or an error in the handler is only an /error result: the SDK recovers and the process lives
// on. A timed-out invocation is answered 504 and forgotten; the handler goroutine keeps running in the
// child (real FC would recycle the instance) and a late result is refused with 404, which the SDK only
// logs. If the child process exits, invocations in flight fail with ErrInstanceExited (502) and the
// child is restarted with a growing delay (100 ms doubling to 5 s, reset after it stays up 10 s);
// queued invocations wait for the new process within their deadline. With Options.Initializer the
// initializer invocation (x-fc-function-type 1) runs first on every process and must succeed before
// other invocations are handed out; Start fails if it fails the first time.
//
// Close kills the child (SIGKILL) and reaps it before it closes the runtime API listener: the SDK
// polls /next in a loop without backoff and would spin against a closed port.
//
// # Clocks
//
// Options.Now stamps the event (requestContext.time/timeEpoch) and the request ids. Deadlines use the
// real clock, because the SDK in the child compares x-fc-function-deadline with its own real clock.
//
// # Logs
//
// One slog line per invocation (requestId, method, path, status, outcome, durationMs). Bodies, query
// strings and header values are never logged.
//
// Typical wiring, with a fake STS handing the function role's credentials:
//
//	fn, err := fcemu.Start(ctx, fcemu.Options{
//		Binary:      "/tmp/build/sts",
//		Env:         []string{"OSS_BUCKET=uploads", "STS_ENDPOINT=" + stsAddr},
//		Credentials: func() (string, string, string) { return roleKey.AccessKeyID, roleKey.AccessKeySecret, roleKey.SecurityToken },
//	})
//	defer fn.Close()
//	srv := httptest.NewServer(fn) // or http.ListenAndServe(":9000", fn)
package fcemu
