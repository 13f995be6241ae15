package main

import (
	"testing"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/internal/fakests"
	"github.com/fc-oss-upload/fc-oss-upload/internal/localcred"
	"github.com/fc-oss-upload/fc-oss-upload/internal/localoss/localosstest"
	"github.com/fc-oss-upload/fc-oss-upload/shared/api"
	"github.com/fc-oss-upload/fc-oss-upload/shared/config"
	"github.com/fc-oss-upload/fc-oss-upload/shared/fcweb/fcwebtest"
)

// TestConformance runs each prefix, region form and endpoint of the conformance table through the
// real handler, with a fake STS that registers the credentials it issues (and their session
// policy) where the local OSS looks them up, and checks what the credentials allow with an OSS SDK.
func TestConformance(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, c := range localosstest.Cases() {
		id := c.Endpoint.Name + "|" + c.Region + "|" + c.Dir
		if seen[id] {
			continue // the intent does not matter to sts
		}
		seen[id] = true
		t.Run(c.Endpoint.Name+", "+c.Region+", "+c.Dir, func(t *testing.T) {
			t.Parallel()
			reg := localcred.NewRegistry()
			reg.Put(localcred.Key{AccessKeyID: functionRole.AccessKeyID, AccessKeySecret: functionRole.AccessKeySecret, SecurityToken: functionRole.SecurityToken})
			sts, err := fakests.New(fakests.Options{Registry: reg, Roles: map[string]fakests.Role{roleARN: {}}})
			if err != nil {
				t.Fatal(err)
			}
			addr, err := sts.Start()
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { sts.Close() })
			settings := map[string]string{"OSS_STS_ROLE_ARN": roleARN, "OSS_STS_ENDPOINT": "http://" + addr}
			for k, v := range c.Settings {
				settings[k] = v
			}
			cfg, err := config.Load(config.FunctionSTS, func(k string) string { return settings[k] })
			if err != nil {
				t.Fatal(err)
			}
			h, err := newTestHandler(cfg, staticCreds{functionRole}, nil)
			if err != nil {
				t.Fatal(err)
			}
			r := fcwebtest.Invoke(t, h, fcwebtest.Event(fcwebtest.Request{Path: APIPath}), functionRole)
			if r.Status != 200 {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			var got api.Token
			r.JSON(t, &got)
			// The SDK signs with the real time, so the local OSS's clock is the real time here.
			var cnames []string
			if c.Endpoint.Cname != "" {
				cnames = append(cnames, c.Endpoint.Cname)
			}
			stack := localosstest.New(t, localosstest.Options{Bucket: localosstest.Bucket, Region: c.Region, Registry: reg, Cnames: cnames, Now: time.Now()})
			stack.CheckSTS(t, localosstest.STS{AccessKeyID: got.AccessKeyID, AccessKeySecret: got.AccessKeySecret, SecurityToken: got.SecurityToken,
				Bucket: got.Bucket, Region: got.Region, Endpoint: got.Endpoint, Dir: got.Dir, Cname: got.Cname, PathStyle: got.PathStyle},
				localosstest.Want{Prefix: c.Dir})
		})
	}
}
