package ossauth

import (
	"strings"
	"testing"
)

// TestEscapeMatchesNetURL: escaping is RFC 3986 as net/url writes it, with and without '/' kept,
// for strings with nothing to escape (returned as they are), and bytes of every kind.
func TestEscapeMatchesNetURL(t *testing.T) {
	t.Parallel()
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	for _, s := range append(append([]string{string(all), "AZaz09-._~", "/"}, hostileValues...), conformanceKeys...) {
		if got, want := escape(s, false), referenceEscape(s); got != want {
			t.Errorf("escape(%q)\n got %s\nwant %s", s, got, want)
		}
		if got, want := escape(s, true), strings.ReplaceAll(referenceEscape(s), "%2F", "/"); got != want {
			t.Errorf("escape(%q, keep '/')\n got %s\nwant %s", s, got, want)
		}
	}
}
