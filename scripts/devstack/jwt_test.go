package devstack

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/fc-oss-upload/fc-oss-upload/scripts/jwtauth"
)

func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func mintRS256(t *testing.T, key *rsa.PrivateKey, claims map[string]any) string {
	h, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": "local"})
	c, _ := json.Marshal(claims)
	signed := b64url(h) + "." + b64url(c)
	sum := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return signed + "." + b64url(sig)
}

func getWith(t *testing.T, base, path string, headers map[string]string, v any) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+path, nil)
	req.Header.Set("Accept", "application/json")
	for k, val := range headers {
		req.Header.Set(k, val)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if v != nil {
		json.NewDecoder(resp.Body).Decode(v)
	}
	return resp.StatusCode
}

// TestJWTPerUserPrefix runs a stack whose triggers check JWTs as FC does (authType jwt, the user claim
// passed in X-User-Id) and whose functions scope every authorization to that user.
func TestJWTPerUserPrefix(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	auth, err := jwtauth.New(jwtauth.Config{
		JWKS:        jwtauth.JWKS{Keys: []jwtauth.JWK{{Kty: "RSA", Kid: "local", Alg: "RS256", N: b64url(key.N.Bytes()), E: b64url(big.NewInt(int64(key.E)).Bytes())}}},
		TokenLookup: "header:Authorization:Bearer ",
		ClaimPassBy: "header:sub:X-User-Id",
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Start(context.Background(), Options{
		Env:       map[string]string{"AUTH_USER_HEADER": "X-User-Id"},
		Authorize: func(_ string, r *http.Request) (map[string]string, error) { return auth(r) },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	alice := map[string]string{"Authorization": "Bearer " + mintRS256(t, key, map[string]any{"sub": "alice", "exp": time.Now().Add(time.Hour).Unix()})}

	var tok stsToken
	if status := getWith(t, s.OriginURL, "/get_sts_token_for_oss_upload", alice, &tok); status != 200 || tok.Dir != "uploads/alice/" {
		t.Fatalf("token for alice: %d %+v", status, tok.Dir)
	}
	client := ossClient(tok)
	ctx := context.Background()
	if _, err := client.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(tok.Bucket), Key: oss.Ptr("uploads/alice/a.txt"), Body: strings.NewReader("mine")}); err != nil {
		t.Fatalf("alice's own prefix: %v", err)
	}
	if _, err := client.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(tok.Bucket), Key: oss.Ptr("uploads/bob/a.txt"), Body: strings.NewReader("theirs")}); ossCode(err) != "AccessDenied" {
		t.Fatalf("another user's prefix: %v", err)
	}
	var p presigned
	if status := getWith(t, s.OriginURL, "/get_presigned_url_for_oss_upload?filename=x.png&size=10", alice, &p); status != 200 || !strings.HasPrefix(p.Key, "uploads/alice/") {
		t.Fatalf("presign for alice: %d %q", status, p.Key)
	}

	// No token, a forged user header, or an expired token: the trigger refuses before the function runs.
	expired := map[string]string{"Authorization": "Bearer " + mintRS256(t, key, map[string]any{"sub": "alice", "exp": time.Now().Add(-time.Minute).Unix()})}
	for name, h := range map[string]map[string]string{"none": nil, "spoofed header": {"X-User-Id": "bob"}, "expired": expired} {
		if status := getWith(t, s.OriginURL, "/get_sts_token_for_oss_upload", h, nil); status != 401 {
			t.Errorf("%s: %d, want 401", name, status)
		}
	}
}

// TestUserHeaderIgnoredWhenOff: on the default stack (anonymous triggers, AUTH_USER_HEADER unset) a
// client-sent user header changes nothing.
func TestUserHeaderIgnoredWhenOff(t *testing.T) {
	var tok stsToken
	if status := getWith(t, stack.OriginURL, "/get_sts_token_for_oss_upload", map[string]string{"X-User-Id": "../admin"}, &tok); status != 200 || tok.Dir != stack.Dir {
		t.Fatalf("%d dir %q, want %q", status, tok.Dir, stack.Dir)
	}
}
