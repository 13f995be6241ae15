package fcweb

import (
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"

	"github.com/fc-oss-upload/fc-oss-upload/shared/upload"
)

// Route is one path and the methods it answers.
type Route struct {
	Path    string   // exact path, e.g. "/get_sts_token_for_oss_upload"
	Methods []string // e.g. GET, POST; HEAD is implied by GET
	Handler http.Handler
	// Prefix makes Path (which then ends in "/") match every path under it, e.g. "/s3/".
	// Exact routes win over prefixes, and a longer prefix over a shorter one.
	Prefix bool
	// MaxBodyBytes raises or lowers the body limit of this route; 0 means Options.MaxBodyBytes.
	MaxBodyBytes int64
}

// Options configure the edge of one function.
type Options struct {
	// Function is the function's name, for logs.
	Function string
	// Page is the function's demo page, served for GET at "/" and at "/<Function>/" (where a custom
	// domain routes the function); nil for none.
	Page []byte
	// Routes are matched by exact path; anything else is a JSON 404, a wrong method a JSON 405.
	Routes []Route
	// CORSOrigins are the origins allowed to call from a browser ("*" for any). Same-origin
	// requests are always allowed.
	CORSOrigins []string
	// Logger receives one access line per request; nil means JSON lines on stdout (FC's log).
	Logger *slog.Logger
	// MaxBodyBytes bounds request bodies (default 64 KiB); larger ones get a JSON 413.
	MaxBodyBytes int64
}

// New returns the function's http.Handler: access log, body limit, CORS, routing.
func New(o Options) http.Handler {
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewJSONHandler(os.Stdout, nil))
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 64 << 10
	}
	if o.Page != nil {
		page := Page(o.Page)
		o.Routes = append(o.Routes,
			Route{Path: "/", Methods: []string{http.MethodGet}, Handler: page},
			Route{Path: "/" + o.Function + "/", Methods: []string{http.MethodGet}, Handler: page})
	}
	routes := map[string]Route{}
	var prefixes []Route
	methods := []string{}
	limit := o.MaxBodyBytes
	for _, rt := range o.Routes {
		if rt.Prefix {
			prefixes = append(prefixes, rt)
		} else {
			routes[rt.Path] = rt
		}
		for _, m := range rt.Methods {
			if !slices.Contains(methods, m) {
				methods = append(methods, m)
			}
		}
		limit = max(limit, rt.MaxBodyBytes)
	}
	slices.SortFunc(prefixes, func(a, b Route) int { return len(b.Path) - len(a.Path) })
	match := func(p string) (Route, bool) {
		if rt, ok := routes[p]; ok {
			return rt, true
		}
		for _, rt := range prefixes {
			if strings.HasPrefix(p, rt.Path) {
				return rt, true
			}
		}
		return Route{}, false
	}
	mux := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rt, ok := match(r.URL.Path)
		if !ok {
			WriteError(w, r, upload.Errorf(upload.CodeNotFound, "no route %s; see the README for the routes of this function", r.URL.Path))
			return
		}
		m := r.Method
		if m == http.MethodHead {
			m = http.MethodGet
		}
		if !slices.Contains(rt.Methods, m) {
			w.Header().Set("Allow", strings.Join(append(rt.Methods, http.MethodOptions), ", "))
			WriteError(w, r, upload.Errorf(upload.CodeMethodNotAllowed, "%s is not allowed on %s; use %s", r.Method, r.URL.Path, strings.Join(rt.Methods, " or ")))
			return
		}
		n := o.MaxBodyBytes
		if rt.MaxBodyBytes > 0 {
			n = rt.MaxBodyBytes
		}
		limitBody(n, rt.Handler).ServeHTTP(w, r)
	})
	cors := corsPolicy{Origins: o.CORSOrigins, Methods: methods}
	// The outer limit is the largest route's: a body is refused before routing only when no route
	// could take it.
	return accessLog(o.Function, o.Logger, limitBody(limit, cors.Wrap(mux)))
}

func limitBody(n int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > n {
			WriteError(w, r, upload.Errorf(upload.CodePayloadTooLarge, "request body is %d bytes; at most %d are accepted", r.ContentLength, n))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, n)
		next.ServeHTTP(w, r)
	})
}
