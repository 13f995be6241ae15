// Command postsignature is the Function Compute handler that returns a V4-signed PostObject policy
// for a browser form upload, limited in key, size and content type.
package main

import (
	"net/http"

	"github.com/fc-oss-upload/fc-oss-upload/shared/config"
	"github.com/fc-oss-upload/fc-oss-upload/shared/fcweb"
	"github.com/fc-oss-upload/fc-oss-upload/shared/rolecred"
)

func main() {
	fcweb.Main(config.FunctionPostSignature, func(cfg config.Config, creds rolecred.Provider) (http.Handler, error) {
		return newHandler(cfg, creds, nil)
	})
}
