// Command presignedurl is the Function Compute handler that returns a V4-signed PUT URL for one new
// object under the prefix, with the exact headers the client must send, and serves Uppy
// Companion's S3 routes (POST policies and multipart uploads).
package main

import (
	"os"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/shared/config"
	"github.com/fc-oss-upload/fc-oss-upload/shared/fcweb"
	"github.com/fc-oss-upload/fc-oss-upload/shared/rolecred"
)

func main() {
	cfg, err := config.Load(config.FunctionPresignedURL, os.Getenv)
	if err != nil {
		fcweb.Exit(err)
	}
	h, err := newHandler(cfg, deps{
		// The function role's credentials: those FC passes with each invocation, else the default chain.
		creds: &rolecred.Source{Invocation: fcweb.Credentials},
		// The multipart calls go to OSS through its Go SDK, at the internal endpoint.
		store: newSDKStore(cfg.InternalEndpoint, cfg.Bucket, cfg.Region),
		now:   time.Now,
	})
	if err != nil {
		fcweb.Exit(err)
	}
	fcweb.Exit(fcweb.Serve(h))
}
