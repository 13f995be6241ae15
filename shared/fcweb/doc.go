// Package fcweb is the edge between Function Compute and the handlers. One request's way, by file:
//
//   - serve.go: Serve picks the entry FC started: go1.go (startGo1: the SDK hands over trigger
//     events, bounded by eventlimit.go) or custom.go (serveCustom: a plain HTTP server);
//   - event.go turns a trigger event into an *http.Request, response.go the answer back into the
//     trigger's response; context.go carries the request id and the role credentials FC passed;
//   - accesslog.go writes one line per request, router.go routes it (JSON 404/405, body limits,
//     the demo page of page.go), cors.go applies the origin allow-list;
//   - in the handler: user.go authenticates the caller (its user segment), intent.go reads what it
//     asks, grants.go turns both into an upload.Grant;
//   - json.go writes the answer, error.go an error (one body, one status per code).
//
// Only this package sees the FC SDK's types.
package fcweb
