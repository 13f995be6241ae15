// Command presignedurl is the Function Compute handler that returns a V4-signed PUT URL for one new
// object under the prefix, with the exact headers the client must send.
package main

import (
	"fmt"
	"os"

	"github.com/fc-oss-upload/fc-oss-upload/shared/config"
	"github.com/fc-oss-upload/fc-oss-upload/shared/fcweb"
	"github.com/fc-oss-upload/fc-oss-upload/shared/rolecred"
)

func main() {
	cfg, err := config.Load(config.FunctionPresignedURL, os.Getenv)
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
