// Package fcweb is the edge between Function Compute and the handlers: it turns an FC 3.0 HTTP
// trigger event into an *http.Request, runs an ordinary http.Handler and turns the response back
// into the trigger's response; and it owns what every route shares: routing with JSON 404/405,
// the CORS allow-list, the one error body and its code-to-status table, and one access log line per
// request with the FC request id. Only this package sees the FC SDK's types.
package fcweb
