// Command sts is the Function Compute handler that hands out temporary upload credentials:
// AssumeRole on the upload role with a session policy that allows only uploads under the prefix.
package main

import (
	"net/http"

	"github.com/fc-oss-upload/fc-oss-upload/shared/config"
	"github.com/fc-oss-upload/fc-oss-upload/shared/fcweb"
	"github.com/fc-oss-upload/fc-oss-upload/shared/rolecred"
)

func main() {
	fcweb.Main(config.FunctionSTS, func(cfg config.Config, creds rolecred.Provider) (http.Handler, error) {
		return newHandler(cfg, creds, nil)
	})
}
