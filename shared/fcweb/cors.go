package fcweb

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/fc-oss-upload/fc-oss-upload/shared/upload"
)

// corsPolicy answers preflights and decorates responses for an exact allow-list of origins.
// A cross-origin request from an origin not on the list is refused with a JSON 403, so another
// site cannot mint upload credentials through a visitor's browser.
type corsPolicy struct {
	Origins []string // exact origins ("https://app.example.com"), or "*" for any
	Methods []string // the methods preflights allow (OPTIONS is added)
}

// allowedRequestHeaders are the headers a browser may send to these functions.
const allowedRequestHeaders = "Content-Type, Authorization, X-Requested-With"

// Wrap returns next behind the CORS policy.
func (c corsPolicy) Wrap(next http.Handler) http.Handler {
	methods := strings.Join(append(slices.Clone(c.Methods), http.MethodOptions), ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Origin")
		origin := r.Header.Get("Origin")
		if origin == "" || sameOrigin(origin, r) {
			if r.Method == http.MethodOptions {
				w.Header().Set("Allow", methods)
				w.WriteHeader(http.StatusNoContent)
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		if !c.allowed(origin) {
			WriteError(w, r, upload.Errorf(upload.CodePermissionDenied, "origin %s is not allowed; add it to CORS_ALLOWED_ORIGINS", origin))
			return
		}
		h := w.Header()
		if slices.Contains(c.Origins, "*") {
			h.Set("Access-Control-Allow-Origin", "*")
		} else {
			h.Set("Access-Control-Allow-Origin", origin)
		}
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Add("Vary", "Access-Control-Request-Method")
			h.Add("Vary", "Access-Control-Request-Headers")
			h.Set("Access-Control-Allow-Methods", methods)
			h.Set("Access-Control-Allow-Headers", allowedRequestHeaders)
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (c corsPolicy) allowed(origin string) bool {
	for _, o := range c.Origins {
		if o == "*" || strings.EqualFold(o, origin) {
			return true
		}
	}
	return false
}

// sameOrigin reports whether origin names the scheme and host the request was sent to. An origin is
// scheme, host and port (RFC 6454): http://host is another origin than https://host, so a page on
// the plain-HTTP site is cross-origin to the HTTPS one. The scheme is the trigger front's
// (requestScheme). Where it is unknown, the browser's own Fetch Metadata decides: it sends
// Sec-Fetch-Site "same-origin" only when the page's origin is the request URL's, scheme included
// (https://www.w3.org/TR/fetch-metadata/#sec-fetch-site-header), and page script cannot set a
// Sec- header (forbidden request headers, https://fetch.spec.whatwg.org/#forbidden-request-header).
// A request with neither is never same-origin; its caller must then be on the CORS allow-list.
func sameOrigin(origin string, r *http.Request) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || !strings.EqualFold(u.Host, r.Host) {
		return false
	}
	if scheme := requestScheme(r); scheme != "" {
		return strings.EqualFold(u.Scheme, scheme)
	}
	return r.Header.Get("X-Forwarded-Proto") == "" && r.Header.Get("Sec-Fetch-Site") == "same-origin"
}

// requestScheme returns the scheme the client used: the trigger front's X-Forwarded-Proto (a
// single http or https), else https for a TLS connection, else "" (unknown).
func requestScheme(r *http.Request) string {
	if vs := r.Header.Values("X-Forwarded-Proto"); len(vs) == 1 {
		if p := strings.ToLower(strings.TrimSpace(vs[0])); p == "http" || p == "https" {
			return p
		}
		return ""
	}
	if r.TLS != nil {
		return "https"
	}
	return ""
}
