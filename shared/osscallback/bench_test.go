package osscallback

import (
	"crypto"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"testing"
)

// BenchmarkVerifyOSSKey verifies OSS's own signed callback (its 512-bit key).
func BenchmarkVerifyOSSKey(b *testing.B) {
	v := loadVector(b)
	key, _ := ParsePublicKey([]byte(v.PublicKey))
	body := []byte(v.Body)
	for b.Loop() {
		if err := Verify(key, v.Authorization, v.Path, v.Query, body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify2048 is the same check with a 2048-bit key, for scale.
func BenchmarkVerify2048(b *testing.B) {
	priv, _ := rsa.GenerateKey(rand.Reader, 2048)
	body := []byte("bucket=b&object=uploads%2Fa.png&size=1")
	sum := md5.Sum(append([]byte("/oss_upload_callback\n"), body...))
	sig, _ := rsa.SignPKCS1v15(nil, priv, crypto.MD5, sum[:])
	auth := base64.StdEncoding.EncodeToString(sig)
	for b.Loop() {
		if err := Verify(&priv.PublicKey, auth, "/oss_upload_callback", "", body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseBody decodes a full callback body.
func BenchmarkParseBody(b *testing.B) {
	body := form(map[string]string{"bucket": "b1", "object": "uploads/alice/2026/11/29/0123456789abcdef0123456789abcdef.png", "etag": "D41D8CD98F00B204E9800998ECF8427E",
		"size": "1234567", "mimeType": "image/png", "imageInfo.height": "2000", "imageInfo.width": "3000", "imageInfo.format": "png",
		"x:user": "alice", "x:filename": "holiday photo.png"})
	for b.Loop() {
		if _, err := ParseBody(body); err != nil {
			b.Fatal(err)
		}
	}
}
