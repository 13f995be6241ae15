package main

import (
	"testing"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/internal/localoss/localosstest"
	"github.com/fc-oss-upload/fc-oss-upload/shared/api"
	"github.com/fc-oss-upload/fc-oss-upload/shared/config"
	"github.com/fc-oss-upload/fc-oss-upload/shared/fcweb/fcwebtest"
	"github.com/fc-oss-upload/fc-oss-upload/shared/ossauth"
	"github.com/fc-oss-upload/fc-oss-upload/shared/upload"
)

// TestConformance runs every row of the conformance table through the real handler and checks
// the answer with the local OSS's independent verifier: the form it describes stores exactly the
// object it names, and a one-character change of any signed field is refused.
func TestConformance(t *testing.T) {
	t.Parallel()
	for _, c := range localosstest.Cases() {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			cfg, err := config.Load(config.FunctionPostSignature, func(k string) string { return c.Settings[k] })
			if err != nil {
				t.Fatal(err)
			}
			creds := ossauth.Credentials{AccessKeyID: c.Key.AccessKeyID, AccessKeySecret: c.Key.AccessKeySecret, SecurityToken: c.Key.SecurityToken}
			h, err := newHandler(cfg, &upload.Signer{Creds: staticCreds{creds}, Endpoint: cfg.Endpoint, Region: cfg.Region}, func() time.Time { return localosstest.Now })
			if err != nil {
				t.Fatal(err)
			}
			r := fcwebtest.Invoke(t, h, fcwebtest.Event(fcwebtest.Request{Path: APIPath, Query: c.Query}), testCreds)
			if r.Status != 200 {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			var got api.PostPolicy
			r.JSON(t, &got)
			// A named file (or type) gets its type bound; otherwise any type may be sent.
			c.Stack(t).CheckPOST(t, localosstest.POST{Action: got.Host, Fields: got.Fields, Key: got.Key, Dir: got.Dir, Expire: got.Expire, MaxSize: got.MaxSize},
				localosstest.Want{Prefix: c.Dir, ContentType: c.Intent.Signed, Size: c.Intent.Size, MaxSize: localosstest.MaxSize, ForbidOverwrite: c.ForbidOverwrite()})
		})
	}
}
