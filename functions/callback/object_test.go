package main

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"

	"github.com/fc-oss-upload/fc-oss-upload/internal/localcred"
	"github.com/fc-oss-upload/fc-oss-upload/internal/localoss"
	"github.com/fc-oss-upload/fc-oss-upload/shared/config"
	"github.com/fc-oss-upload/fc-oss-upload/shared/ossauth"
)

// TestForgedBodyRefused: the callback body is the uploader's template, so OSS signs constants the
// uploader chose. A body naming an object that is not stored, or another ETag than the stored
// one, is refused, whatever the signature; a body's size and type are replaced by OSS's.
func TestForgedBodyRefused(t *testing.T) {
	forged := pngUpload()
	forged["object"] = "uploads/alice/2026/forged.pdf" // never uploaded
	wrongETag := pngUpload()
	wrongETag["etag"] = "00000000000000000000000000000000"
	for name, c := range map[string]struct {
		up     map[string]string
		status int
	}{
		"object not stored": {forged, 403},
		"another ETag":      {wrongETag, 403},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, nil)
			rec := f.signedCall(body(c.up))
			if rec.Code != c.status {
				t.Errorf("status %d, want %d: %s", rec.Code, c.status, rec.Body)
			}
			if len(f.lines("callback refused")) != 1 || len(f.lines("upload completed")) != 0 || len(f.webhooks) != 0 {
				t.Errorf("want one refusal, no event, no webhook:\n%s", f.log.String())
			}
			if len(f.objects.heads) != 1 || f.objects.heads[0] != c.up["object"] {
				t.Errorf("HeadObject asked for %v, want the body's key", f.objects.heads)
			}
		})
	}

	t.Run("size and type come from OSS", func(t *testing.T) {
		f := newFixture(t, nil)
		lying := pngUpload()
		lying["size"], lying["mimeType"] = "1", "application/pdf"
		rec := f.signedCall(body(lying))
		if rec.Code != 200 {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		var a struct {
			Size        int64
			ContentType string
		}
		json.Unmarshal(rec.Body.Bytes(), &a)
		if a.Size != 52133 || a.ContentType != "image/png" {
			t.Errorf("answer %s: want OSS's size 52133 and type image/png", rec.Body)
		}
		if l := f.lines("upload completed"); len(l) != 1 || l[0]["size"] != float64(52133) || l[0]["contentType"] != "image/png" {
			t.Errorf("log %s", f.log.String())
		}
	})

	t.Run("another bucket is never asked", func(t *testing.T) {
		f := newFixture(t, nil)
		other := pngUpload()
		other["bucket"] = "someone-elses"
		if rec := f.signedCall(body(other)); rec.Code != 403 {
			t.Errorf("status %d", rec.Code)
		}
		if len(f.objects.heads) != 0 {
			t.Errorf("HeadObject for another bucket's callback: %v", f.objects.heads)
		}
	})

	t.Run("OSS cannot be asked", func(t *testing.T) {
		f := newFixture(t, nil)
		f.objects.err = errors.New("callback: HeadObject answered 403 AccessDenied")
		rec := f.signedCall(body(pngUpload()))
		if rec.Code != 503 {
			t.Errorf("status %d, want 503 (OSS then tells the client CallbackFailed)", rec.Code)
		}
		if len(f.lines("callback refused")) != 1 || len(f.webhooks) != 0 {
			t.Errorf("log %s", f.log.String())
		}
	})
}

// fixedCreds is a rolecred.Provider of one key.
type fixedCreds ossauth.Credentials

func (c fixedCreds) Credentials(context.Context) (ossauth.Credentials, error) {
	return ossauth.Credentials(c), nil
}

// TestOSSHeaderAgainstLocalOSS runs the production HeadObject (the OSS Go SDK with the role's
// credentials) against the strict local OSS, whose session policies are evaluated like RAM's.
func TestOSSHeaderAgainstLocalOSS(t *testing.T) {
	reg := localcred.NewRegistry()
	reg.Put(localcred.Key{AccessKeyID: "LTAIuploader", AccessKeySecret: "uploader-secret"})
	getOnly := []byte(`{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:GetObject","Resource":"acs:oss:*:*:cb-bucket/uploads/*"}]}`)
	role := localcred.Key{AccessKeyID: "STS.callbackrole", AccessKeySecret: "role-secret", SecurityToken: "role-token", Policy: getOnly}
	reg.Put(role)
	putOnly := localcred.Key{AccessKeyID: "STS.signerrole", AccessKeySecret: "signer-secret", SecurityToken: "signer-token",
		Policy: []byte(`{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:PutObject","Resource":"acs:oss:*:*:cb-bucket/uploads/*"}]}`)}
	reg.Put(putOnly)
	srv, err := localoss.Start(localoss.Options{Dir: t.TempDir(), Keys: reg, Buckets: []string{"cb-bucket"}, Region: "cn-hangzhou"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })

	data := []byte("the stored bytes")
	const key = "uploads/bob/tiny 中.bin"
	up, err := oss.New(srv.URL, "LTAIuploader", "uploader-secret", oss.ForcePathStyle(true))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := up.Bucket("cb-bucket")
	if err := b.PutObject(key, bytes.NewReader(data), oss.ContentType("application/x-test")); err != nil {
		t.Fatal(err)
	}

	cfg, err := config.Load(config.FunctionCallback, func(k string) string {
		return map[string]string{"OSS_BUCKET": "cb-bucket", "OSS_REGION": "cn-hangzhou", "OSS_ENDPOINT": srv.URL}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	h := newOSSHeader(cfg, fixedCreds{AccessKeyID: role.AccessKeyID, AccessKeySecret: role.AccessKeySecret, SecurityToken: role.SecurityToken}, nil)
	info, err := h.Head(context.Background(), key)
	sum := md5.Sum(data)
	if err != nil || info.Size != int64(len(data)) || !strings.EqualFold(info.ETag, hex.EncodeToString(sum[:])) || info.ContentType != "application/x-test" {
		t.Errorf("Head = %+v, %v; want size %d, ETag %x, application/x-test", info, err, len(data), sum)
	}
	if _, err := h.Head(context.Background(), "uploads/alice/never.pdf"); !errors.Is(err, ErrNoObject) {
		t.Errorf("a missing object: %v, want ErrNoObject", err)
	}

	// A role without oss:GetObject (e.g. the signer's) is an error to retry, not "no object".
	noGet := newOSSHeader(cfg, fixedCreds{AccessKeyID: putOnly.AccessKeyID, AccessKeySecret: putOnly.AccessKeySecret, SecurityToken: putOnly.SecurityToken}, nil)
	if _, err := noGet.Head(context.Background(), key); err == nil || errors.Is(err, ErrNoObject) || !strings.Contains(err.Error(), "403") {
		t.Errorf("HeadObject without oss:GetObject: %v, want a 403 error", err)
	}
	if _, err := newOSSHeader(cfg, nil, nil).Head(context.Background(), key); err == nil {
		t.Error("no credentials: no error")
	}
}

// TestOSSHeaderHangBounded: a HeadObject that hangs ends after HeadTimeout with an error to retry
// (503), leaving OSS's 5 seconds room for the answer. On synctest's fake clock.
func TestOSSHeaderHangBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg, err := config.Load(config.FunctionCallback, func(k string) string {
			return map[string]string{"OSS_BUCKET": "cb-bucket", "OSS_REGION": "cn-hangzhou"}[k]
		})
		if err != nil {
			t.Fatal(err)
		}
		hang := &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
			<-r.Context().Done()
			return nil, r.Context().Err()
		})}
		h := newOSSHeader(cfg, fixedCreds{AccessKeyID: "STS.k", AccessKeySecret: "s", SecurityToken: "t"}, hang)
		start := time.Now()
		_, err = h.Head(context.Background(), "uploads/a.bin")
		if err == nil || errors.Is(err, ErrNoObject) {
			t.Errorf("a hanging HeadObject: %v, want an error to retry", err)
		}
		if took := time.Since(start); took > HeadTimeout {
			t.Errorf("took %v, over HeadTimeout %v", took, HeadTimeout)
		}
	})
}
