package main

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/fc-oss-upload/fc-oss-upload/shared/api"
	"github.com/fc-oss-upload/fc-oss-upload/shared/fcweb/fcwebtest"
)

const callbackURL = "https://up.example.com/oss_upload_callback"

// TestPresignSignsCallback: with OSS_CALLBACK_URL the URL carries callback and callback-var as
// query parameters, which the V4 signature covers (internal/localoss checks that end to end).
func TestPresignSignsCallback(t *testing.T) {
	t.Parallel()
	idp, env := fcwebtest.Issuer(t, testNow)
	env["OSS_CALLBACK_URL"] = callbackURL
	ev := fcwebtest.SignedIn(t, idp, fcwebtest.Fixture(t, filepath.Join("testdata", "get_as_user.json")), "alice@example.com")
	r := fcwebtest.Invoke(t, newTestHandler(t, env, staticCreds{c: testCreds}), ev, testCreds)
	if r.Status != 200 {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	var got api.PresignedPut
	r.JSON(t, &got)
	u, err := url.Parse(got.URL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	raw, _ := base64.StdEncoding.DecodeString(q.Get("callback"))
	var p struct{ CallbackURL, CallbackBodyType string }
	if err := json.Unmarshal(raw, &p); err != nil || p.CallbackURL != callbackURL {
		t.Errorf("callback %s (%v)", raw, err)
	}
	raw, _ = base64.StdEncoding.DecodeString(q.Get("callback-var"))
	var vars map[string]string
	if err := json.Unmarshal(raw, &vars); err != nil || vars["x:user"] != "alice@example.com" || vars["x:filename"] == "" {
		t.Errorf("callback-var %s (%v)", raw, err)
	}
	for k := range got.Headers {
		if k == "x-oss-callback" {
			t.Error("the callback is in the query; no header to send")
		}
	}
}
