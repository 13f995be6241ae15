package fcweb

import (
	"crypto/rand"
	"net/http"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/shared/upload"
	"github.com/fc-oss-upload/fc-oss-upload/shared/userauth"
)

// Grants decide what the callers of one function may upload: the way of a signing request from
// the edge to its grant.
type Grants struct {
	Rules upload.Rules
	Auth  *userauth.Verifier // nil: no per-user uploads
	Now   func() time.Time
}

// Read authenticates the caller of r (User), reads what it asks to upload with read (ReadIntent,
// or a route's own reader), draws the random bytes of its key, and decides the upload, sent as
// how, under the rules (upload.Rules.Grant).
func (gs Grants) Read(r *http.Request, how upload.How, read func(*http.Request) (upload.Intent, error)) (upload.Grant, error) {
	user, err := User(r, gs.Auth)
	if err != nil {
		return upload.Grant{}, err
	}
	in, err := read(r)
	if err != nil {
		return upload.Grant{}, err
	}
	a := upload.Ask{Intent: in, User: user}
	rand.Read(a.ID[:])
	return gs.Rules.Grant(how, a, gs.Now())
}
