// Command postsignature is the Function Compute handler that returns a V4-signed PostObject policy
// for a browser form upload, limited in key, size and content type.
package main

import (
	"os"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/shared/config"
	"github.com/fc-oss-upload/fc-oss-upload/shared/fcweb"
	"github.com/fc-oss-upload/fc-oss-upload/shared/rolecred"
	"github.com/fc-oss-upload/fc-oss-upload/shared/upload"
)

func main() {
	cfg, err := config.Load(config.FunctionPostSignature, os.Getenv)
	if err != nil {
		fcweb.Exit(err)
	}
	// The function role's credentials sign the policies: those FC passes with each invocation,
	// else the default chain.
	signer := &upload.Signer{Creds: &rolecred.Source{Invocation: fcweb.Credentials}, Endpoint: cfg.Endpoint, Region: cfg.Region}
	h, err := newHandler(cfg, signer, time.Now)
	if err != nil {
		fcweb.Exit(err)
	}
	fcweb.Exit(fcweb.Serve(h))
}
