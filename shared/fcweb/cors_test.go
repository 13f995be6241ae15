package fcweb

import (
	"net/http/httptest"
	"testing"
)

// TestSameOrigin: an origin is scheme and host; http://host is not https://host (issue 18 row 9).
func TestSameOrigin(t *testing.T) {
	t.Parallel()
	cases := []struct {
		origin, proto, site string // site: the browser's Sec-Fetch-Site
		want                bool
	}{
		{"https://app.example.com", "https", "", true},
		{"HTTPS://App.Example.com", "https", "", true},
		{"http://app.example.com", "https", "", false},
		{"https://app.example.com", "http", "", false},
		{"https://app.example.com", "", "", false},           // scheme unknown: never same-origin
		{"https://app.example.com", "https,http", "", false}, // ambiguous
		{"https://app.example.com:8443", "https", "", false},
		{"https://evil.example", "https", "", false},
		{"null", "https", "", false},
		// Scheme unknown: the browser's Fetch Metadata decides.
		{"https://app.example.com", "", "same-origin", true},
		{"http://app.example.com", "", "same-site", false}, // the plain-HTTP page calling the HTTPS site
		{"https://evil.example", "", "cross-site", false},
		{"https://evil.example", "", "same-origin", false}, // not this host, whatever the header says
		// A known scheme wins over the header.
		{"http://app.example.com", "https", "same-origin", false},
		{"https://app.example.com", "https,http", "same-origin", false},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "http://app.example.com/x", nil)
		r.Host = "app.example.com"
		if c.proto != "" {
			r.Header.Set("X-Forwarded-Proto", c.proto)
		}
		if c.site != "" {
			r.Header.Set("Sec-Fetch-Site", c.site)
		}
		if got := sameOrigin(c.origin, r); got != c.want {
			t.Errorf("sameOrigin(%q, proto %q, site %q) = %v, want %v", c.origin, c.proto, c.site, got, c.want)
		}
	}
}
