// Command presignedurl is the Function Compute handler that returns a V4-signed PUT URL for one new
// object under the prefix, with the exact headers the client must send.
package main

import (
	"net/http"

	"github.com/fc-oss-upload/fc-oss-upload/shared/config"
	"github.com/fc-oss-upload/fc-oss-upload/shared/fcweb"
	"github.com/fc-oss-upload/fc-oss-upload/shared/rolecred"
)

func main() {
	fcweb.Main(config.FunctionPresignedURL, func(cfg config.Config, creds rolecred.Provider) (http.Handler, error) {
		return newHandler(cfg, creds, nil)
	})
}
