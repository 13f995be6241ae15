// Command sts is the Function Compute handler that hands out temporary upload credentials:
// AssumeRole on the upload role with a session policy that allows only uploads under the prefix.
package main

import (
	"fmt"
	"os"

	"github.com/fc-oss-upload/fc-oss-upload/shared/config"
	"github.com/fc-oss-upload/fc-oss-upload/shared/fcweb"
	"github.com/fc-oss-upload/fc-oss-upload/shared/rolecred"
)

func main() {
	cfg, err := config.Load(config.FunctionSTS, os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	h, err := newHandler(cfg, &rolecred.Source{}, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fcweb.Start(h)
}
