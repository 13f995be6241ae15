// OSS signs callbacks with a 512-bit RSA key (its published callback_pub_key_v1.pem); Go 1.24+
// refuses RSA keys under 1024 bits unless this setting is on, and every genuine callback would fail.
//go:debug rsa1024min=0

// Command callback is the Function Compute handler OSS calls after each upload (POST
// /oss_upload_callback): it verifies OSS's signature, checks the upload lies under the prefix, asks OSS
// (HeadObject, with its role's credentials) for the stored object's size, ETag and type, logs it,
// notifies WEBHOOK_URL and answers with the upload's details, which OSS relays to the client.
package main

import (
	"os"

	"github.com/fc-oss-upload/fc-oss-upload/shared/config"
	"github.com/fc-oss-upload/fc-oss-upload/shared/fcweb"
	"github.com/fc-oss-upload/fc-oss-upload/shared/rolecred"
)

func main() {
	cfg, err := config.Load(config.FunctionCallback, os.Getenv)
	if err != nil {
		fcweb.Exit(err)
	}
	// HeadObject is signed with the function role's credentials: those FC passes with each
	// invocation, else the default chain. The zero options are production's clients and clock.
	h, err := newHandler(cfg, &rolecred.Source{Invocation: fcweb.Credentials}, options{})
	if err != nil {
		fcweb.Exit(err)
	}
	fcweb.Exit(fcweb.Serve(h))
}
