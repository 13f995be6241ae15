package fcweb

import (
	"net/http/httptest"
	"testing"
)

// TestSameOrigin: an origin is scheme and host; http://host is not https://host (issue 18 row 9).
func TestSameOrigin(t *testing.T) {
	t.Parallel()
	cases := []struct {
		origin, proto string
		want          bool
	}{
		{"https://app.example.com", "https", true},
		{"HTTPS://App.Example.com", "https", true},
		{"http://app.example.com", "https", false},
		{"https://app.example.com", "http", false},
		{"https://app.example.com", "", false},           // scheme unknown: never same-origin
		{"https://app.example.com", "https,http", false}, // ambiguous
		{"https://app.example.com:8443", "https", false},
		{"https://evil.example", "https", false},
		{"null", "https", false},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "http://app.example.com/x", nil)
		r.Host = "app.example.com"
		if c.proto != "" {
			r.Header.Set("X-Forwarded-Proto", c.proto)
		}
		if got := sameOrigin(c.origin, r); got != c.want {
			t.Errorf("sameOrigin(%q, proto %q) = %v, want %v", c.origin, c.proto, got, c.want)
		}
	}
}
