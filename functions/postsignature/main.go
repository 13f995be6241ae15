// Command postsignature is the Function Compute handler that returns a V4-signed PostObject policy
// for a browser form upload, limited in key, size and content type.
package main

import (
	"os"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/shared/config"
	"github.com/fc-oss-upload/fc-oss-upload/shared/fcweb"
	"github.com/fc-oss-upload/fc-oss-upload/shared/rolecred"
)

func main() {
	cfg, err := config.Load(config.FunctionPostSignature, os.Getenv)
	if err != nil {
		fcweb.Exit(err)
	}
	// The function role's credentials sign the policies: those FC passes with each invocation,
	// else the default chain.
	h, err := newHandler(cfg, &rolecred.Source{Invocation: fcweb.Credentials}, time.Now)
	if err != nil {
		fcweb.Exit(err)
	}
	fcweb.Exit(fcweb.Serve(h))
}
