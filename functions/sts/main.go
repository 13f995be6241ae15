// Command sts is the Function Compute handler that hands out temporary upload credentials:
// AssumeRole on the upload role with a session policy that allows only uploads under the prefix.
package main

import (
	"os"

	"github.com/fc-oss-upload/fc-oss-upload/shared/config"
	"github.com/fc-oss-upload/fc-oss-upload/shared/fcweb"
	"github.com/fc-oss-upload/fc-oss-upload/shared/rolecred"
	"github.com/fc-oss-upload/fc-oss-upload/shared/stscred"
)

func main() {
	cfg, err := config.Load(config.FunctionSTS, os.Getenv)
	if err != nil {
		fcweb.Exit(err)
	}
	client, err := stscred.NewClient(stscred.ClientOptions{RoleARN: cfg.STSRoleARN, Region: cfg.Region, Endpoint: cfg.STSEndpoint, Network: cfg.STSNetwork})
	if err != nil {
		fcweb.Exit(err)
	}
	// AssumeRole is signed with the function role's credentials: those FC passes with each
	// invocation, else the default chain. The cache keeps one token per prefix.
	issuer := &stscred.Issuer{Client: client, Caller: &rolecred.Source{Invocation: fcweb.Credentials},
		Bucket: cfg.Bucket, Dir: cfg.Rules.Dir, Duration: cfg.STSDuration}
	h, err := newHandler(cfg, &stscred.Cache{Fetch: issuer.Fetch})
	if err != nil {
		fcweb.Exit(err)
	}
	fcweb.Exit(fcweb.Serve(h))
}
