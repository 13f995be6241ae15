package osscallback

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestKeyURLTrust(t *testing.T) {
	k := &Keys{Trusted: []string{"https://gosspublic.alicdn.com/", "http://gosspublic.alicdn.com/"}}
	for _, u := range []string{"https://gosspublic.alicdn.com/callback_pub_key_v1.pem", "http://gosspublic.alicdn.com/callback_pub_key_v1.pem"} {
		if got, err := k.KeyURL(b64(u)); err != nil || got != u {
			t.Errorf("KeyURL(%s) = %q, %v", u, got, err)
		}
	}
	for _, h := range []string{
		"", "not base64!",
		b64("https://evil.example/callback_pub_key_v1.pem"),
		b64("https://gosspublic.alicdn.com.evil.example/k.pem"), // look-alike host
		b64("https://gosspublic.alicdn.com@evil.example/k.pem"), // userinfo trick
		b64("ftp://gosspublic.alicdn.com/k.pem"),
		b64("https://GOSSPUBLIC.alicdn.com/k.pem"),
		b64("https://gosspublic.alicdn.com/k.pem#frag"),
	} {
		if _, err := k.KeyURL(h); !errors.Is(err, ErrUntrustedKeyURL) {
			t.Errorf("KeyURL(%q) = %v, want ErrUntrustedKeyURL", h, err)
		}
	}
	if _, err := (&Keys{}).KeyURL(b64("https://gosspublic.alicdn.com/k.pem")); !errors.Is(err, ErrUntrustedKeyURL) {
		t.Errorf("no trusted prefixes trusts %v", err)
	}
}

func TestKeysFetchOnceAndNeverUntrusted(t *testing.T) {
	v := loadVector(t)
	var fetches atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		if r.URL.Path != "/keys/k.pem" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(v.PublicKey))
	}))
	defer srv.Close()
	k := &Keys{Trusted: []string{srv.URL + "/keys/"}}
	for range 3 {
		if _, err := k.Key(context.Background(), b64(srv.URL+"/keys/k.pem")); err != nil {
			t.Fatal(err)
		}
	}
	if n := fetches.Load(); n != 1 {
		t.Errorf("%d fetches for one key URL, want 1 (cached)", n)
	}
	if _, err := k.Key(context.Background(), b64(srv.URL+"/other/k.pem")); !errors.Is(err, ErrUntrustedKeyURL) {
		t.Errorf("untrusted path: %v", err)
	}
	if _, err := k.Key(context.Background(), b64(srv.URL+"/keys/missing.pem")); !errors.Is(err, ErrBadKey) {
		t.Errorf("a 404 key: %v, want ErrBadKey", err)
	}
	if n := fetches.Load(); n != 2 {
		t.Errorf("%d fetches, want 2: an untrusted URL must never be fetched", n)
	}
}
