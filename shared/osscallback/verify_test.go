// OSS signs callbacks with a 512-bit RSA key; Go refuses such keys without this setting.
//go:debug rsa1024min=0

package osscallback

import (
	"crypto"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
)

type signedCallback struct {
	Path, Query, Authorization, PubKeyURL, PublicKey, Body string
}

func loadVector(t testing.TB) signedCallback {
	t.Helper()
	b, err := os.ReadFile("testdata/oss_signed_callback.json")
	if err != nil {
		t.Fatal(err)
	}
	var v signedCallback
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestVerifyOSSSignedCallback checks Verify against a callback that OSS itself signed.
func TestVerifyOSSSignedCallback(t *testing.T) {
	v := loadVector(t)
	key, err := ParsePublicKey([]byte(v.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	if key.N.BitLen() != 512 {
		t.Fatalf("OSS's key has %d bits, want 512", key.N.BitLen())
	}
	if err := Verify(key, v.Authorization, v.Path, v.Query, []byte(v.Body)); err != nil {
		t.Fatalf("OSS's own signature does not verify: %v", err)
	}
	u, err := (&Keys{Trusted: []string{"https://gosspublic.alicdn.com/"}}).KeyURL(v.PubKeyURL)
	if err != nil || u != "https://gosspublic.alicdn.com/callback_pub_key_v1.pem" {
		t.Errorf("KeyURL = %q, %v", u, err)
	}

	tampered := map[string][4]string{
		"body":          {v.Authorization, v.Path, v.Query, strings.Replace(v.Body, "114020", "114021", 1)},
		"path":          {v.Authorization, v.Path + "x", v.Query, v.Body},
		"query":         {v.Authorization, v.Path, "a=1", v.Body},
		"signature":     {"e3" + v.Authorization[2:], v.Path, v.Query, v.Body},
		"no signature":  {"", v.Path, v.Query, v.Body},
		"not base64":    {"!" + v.Authorization, v.Path, v.Query, v.Body},
		"bad path code": {v.Authorization, "/%zz", v.Query, v.Body},
	}
	for name, c := range tampered {
		if err := Verify(key, c[0], c[1], c[2], []byte(c[3])); err == nil {
			t.Errorf("%s: a tampered request verifies", name)
		}
	}
}

func TestStringToSign(t *testing.T) {
	for _, c := range []struct{ path, query, body, want string }{
		{"/oss_upload_callback", "", "a=1", "/oss_upload_callback\na=1"},
		// The path is URL-decoded, the query is not (OSS's Callback reference).
		{"/cb/%E4%B8%AD%20x", "k=%E4%B8%AD&v=1", "", "/cb/中 x?k=%E4%B8%AD&v=1\n"},
	} {
		got, err := stringToSign(c.path, c.query, []byte(c.body))
		if err != nil || string(got) != c.want {
			t.Errorf("StringToSign(%q, %q) = %q, %v; want %q", c.path, c.query, got, err, c.want)
		}
	}
}

// TestVerifyQuery signs with a fresh key the way OSS's reference describes and checks that the query
// is covered.
func TestVerifyQuery(t *testing.T) {
	priv, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum([]byte("/cb/中?x=%E4%B8%AD\nbody"))
	sig, err := rsa.SignPKCS1v15(nil, priv, crypto.MD5, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	auth := base64.StdEncoding.EncodeToString(sig)
	if err := Verify(&priv.PublicKey, auth, "/cb/%E4%B8%AD", "x=%E4%B8%AD", []byte("body")); err != nil {
		t.Errorf("valid: %v", err)
	}
	if err := Verify(&priv.PublicKey, auth, "/cb/%E4%B8%AD", "x=%E4%B8%AE", []byte("body")); !errors.Is(err, errBadSignature) {
		t.Errorf("changed query: %v", err)
	}
}

func TestParsePublicKeyRefusesOtherPEM(t *testing.T) {
	for _, s := range []string{"", "not pem", "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"} {
		if _, err := ParsePublicKey([]byte(s)); !errors.Is(err, ErrBadKey) {
			t.Errorf("ParsePublicKey(%q) = %v", s, err)
		}
	}
}
