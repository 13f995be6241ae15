package main

import (
	"testing"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/scripts/localoss/localosstest"
	"github.com/fc-oss-upload/fc-oss-upload/shared/config"
	"github.com/fc-oss-upload/fc-oss-upload/shared/fcweb/fcwebtest"
	"github.com/fc-oss-upload/fc-oss-upload/shared/ossauth"
)

// TestConformance runs every row of the conformance table through the real handler and checks
// the answer with the local OSS's independent verifier: the upload it describes is stored exactly,
// and a one-character change of anything signed is refused.
func TestConformance(t *testing.T) {
	t.Parallel()
	for _, c := range localosstest.Cases() {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			cfg, err := config.Load(config.FunctionPresignedURL, func(k string) string { return c.Settings[k] })
			if err != nil {
				t.Fatal(err)
			}
			h, err := newHandler(cfg, staticCreds{c: ossauth.Credentials{AccessKeyID: c.Key.AccessKeyID, AccessKeySecret: c.Key.AccessKeySecret, SecurityToken: c.Key.SecurityToken}},
				func() time.Time { return localosstest.Now })
			if err != nil {
				t.Fatal(err)
			}
			r := fcwebtest.Invoke(t, h, fcwebtest.Event(fcwebtest.Request{Path: APIPath, Query: c.Query, Headers: map[string]string{"Accept": "application/json"}}), testCreds)
			if r.Status != 200 {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			var got presignResponse
			r.JSON(t, &got)
			want := c.Intent.Signed
			if want == "" {
				want = "application/octet-stream" // OSS_DEFAULT_CONTENT_TYPE's default
			}
			c.Stack(t).CheckPUT(t, localosstest.PUT{URL: got.URL, Method: got.Method, Headers: got.Headers, Key: got.Key, Expire: got.Expire},
				localosstest.Want{Prefix: c.Dir, ContentType: want, Size: c.Intent.Size, MaxSize: localosstest.MaxSize, ForbidOverwrite: c.ForbidOverwrite()})
		})
	}
}
