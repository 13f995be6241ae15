package main

import (
	"path/filepath"
	"testing"

	"github.com/fc-oss-upload/fc-oss-upload/shared/api"
	"github.com/fc-oss-upload/fc-oss-upload/shared/fcweb/fcwebtest"
)

// TestTokenCarriesCallbackOption: with OSS_CALLBACK_URL the answer holds ali-oss's callback option.
func TestTokenCarriesCallbackOption(t *testing.T) {
	t.Parallel()
	idp, env := fcwebtest.Issuer(t, authNow)
	env["OSS_CALLBACK_URL"] = "https://up.example.com/oss_upload_callback"
	s := newStack(t, functionRole, env)
	ev := fcwebtest.SignedIn(t, idp, fcwebtest.Fixture(t, filepath.Join("testdata", "get_as_user.json")), "alice@example.com")
	r := fcwebtest.Invoke(t, s.h, ev, functionRole)
	var got api.Token
	r.JSON(t, &got)
	if r.Status != 200 || got.Callback == nil {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	c := got.Callback
	if c.URL != "https://up.example.com/oss_upload_callback" || c.ContentType != "application/x-www-form-urlencoded" || c.Body == "" || c.CustomValue["user"] != "alice@example.com" {
		t.Errorf("callback option %+v", c)
	}
	s = newStack(t, functionRole, nil)
	r = s.invoke(t, "get_token")
	got = api.Token{}
	r.JSON(t, &got)
	if got.Callback != nil {
		t.Errorf("a callback option without OSS_CALLBACK_URL: %+v", got.Callback)
	}
}
