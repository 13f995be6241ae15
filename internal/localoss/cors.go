package localoss

import (
	"net/http"
	"strings"
)

const (
	corsAllowMethods  = "GET, PUT, POST, DELETE, HEAD"
	corsExposeHeaders = "ETag, x-oss-request-id, x-oss-hash-crc64ecma, x-oss-version-id"
	corsMaxAge        = "600"
)

// allowOrigin returns the Access-Control-Allow-Origin value for origin, or "" if it is not allowed.
func (s *Server) allowOrigin(origin string) string {
	for _, o := range s.origins {
		if o == "*" {
			return "*"
		}
		if o == origin {
			return origin
		}
	}
	return ""
}

// setCORS adds the CORS headers to an actual (non-preflight) response from an allowed origin.
func (s *Server) setCORS(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Add("Vary", "Origin")
	origin := r.Header.Get("Origin")
	if origin == "" {
		return
	}
	allow := s.allowOrigin(origin)
	if allow == "" {
		return
	}
	h.Set("Access-Control-Allow-Origin", allow)
	h.Set("Access-Control-Allow-Methods", corsAllowMethods)
	h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
}

// preflight answers a CORS preflight request. It needs no authentication, like OSS.
func (s *Server) preflight(w http.ResponseWriter, r *http.Request) error {
	h := w.Header()
	h.Add("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
	origin, method := r.Header.Get("Origin"), r.Header.Get("Access-Control-Request-Method")
	allow := s.allowOrigin(origin)
	if origin == "" || method == "" || allow == "" || !corsMethod(method) {
		return newError(http.StatusForbidden, CodeAccessForbidden, "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Requet-Headers are not whitelisted by the resource's CORS spec.")
	}
	h.Set("Access-Control-Allow-Origin", allow)
	h.Set("Access-Control-Allow-Methods", corsAllowMethods)
	if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
		h.Set("Access-Control-Allow-Headers", strings.ToLower(req))
	}
	h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
	h.Set("Access-Control-Max-Age", corsMaxAge)
	w.WriteHeader(http.StatusOK)
	return nil
}

func corsMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodPut, http.MethodPost, http.MethodDelete, http.MethodHead:
		return true
	}
	return false
}
