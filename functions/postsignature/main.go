// Command postsignature is the Function Compute handler that returns a V4-signed PostObject policy
// for a browser form upload, limited in key, size and content type.
package main

import (
	"fmt"
	"os"

	"github.com/fc-oss-upload/fc-oss-upload/shared/config"
	"github.com/fc-oss-upload/fc-oss-upload/shared/fcweb"
	"github.com/fc-oss-upload/fc-oss-upload/shared/rolecred"
)

func main() {
	cfg, err := config.Load(config.FunctionPostSignature, os.Getenv)
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
