package main

import (
	"maps"
	"testing"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/internal/localoss/localosstest"
	"github.com/fc-oss-upload/fc-oss-upload/shared/api"
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
			settings := c.Settings
			r := conformanceInvoke(t, c, settings)
			if c.Intent.Size < 0 {
				// Under a size limit a URL must sign the size (issue 18 row 2); without a limit
				// (OSS_MAX_SIZE_BYTES=0) the unsized URL is checked like the others.
				if r.Status != 400 || r.ErrorCode(t) != "invalid_argument" {
					t.Fatalf("no size under a limit: %d %s, want 400 invalid_argument", r.Status, r.Body)
				}
				settings = maps.Clone(c.Settings)
				settings["OSS_MAX_SIZE_BYTES"] = "0"
				r = conformanceInvoke(t, c, settings)
			}
			if r.Status != 200 {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			var got api.PresignedPut
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

// conformanceInvoke asks a handler configured with settings for the case's URL.
func conformanceInvoke(t *testing.T, c localosstest.Case, settings map[string]string) fcwebtest.Response {
	t.Helper()
	cfg, err := config.Load(config.FunctionPresignedURL, func(k string) string { return settings[k] })
	if err != nil {
		t.Fatal(err)
	}
	h, err := newHandler(cfg, deps{creds: staticCreds{c: ossauth.Credentials{AccessKeyID: c.Key.AccessKeyID, AccessKeySecret: c.Key.AccessKeySecret, SecurityToken: c.Key.SecurityToken}},
		store: newSDKStore(cfg.InternalEndpoint, cfg.Bucket, cfg.Region), now: func() time.Time { return localosstest.Now }})
	if err != nil {
		t.Fatal(err)
	}
	return fcwebtest.Invoke(t, h, fcwebtest.Event(fcwebtest.Request{Path: APIPath, Query: c.Query, Headers: map[string]string{"Accept": "application/json"}}), testCreds)
}
