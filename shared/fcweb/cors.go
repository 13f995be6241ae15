package fcweb

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/fc-oss-upload/fc-oss-upload/shared/upload"
)

// CORS answers preflights and decorates responses for an exact allow-list of origins.
// A cross-origin request from an origin not on the list is refused with a JSON 403, so another
// site cannot mint upload credentials through a visitor's browser.
type CORS struct {
	Origins []string // exact origins ("https://app.example.com"), or "*" for any
}

// allowedRequestHeaders are the headers a browser may send to these functions.
const allowedRequestHeaders = "Content-Type, Authorization, X-Requested-With"

// Wrap returns next behind the CORS policy.
func (c CORS) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Origin")
		origin := r.Header.Get("Origin")
		if origin == "" || sameOrigin(origin, r) {
			if r.Method == http.MethodOptions {
				w.Header().Set("Allow", "GET, POST, OPTIONS")
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
			h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
			h.Set("Access-Control-Allow-Headers", allowedRequestHeaders)
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (c CORS) allowed(origin string) bool {
	for _, o := range c.Origins {
		if o == "*" || strings.EqualFold(o, origin) {
			return true
		}
	}
	return false
}

// sameOrigin reports whether origin names the host the request was sent to.
func sameOrigin(origin string, r *http.Request) bool {
	u, err := url.Parse(origin)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host)
}
