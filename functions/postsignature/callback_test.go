package main

import (
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/fc-oss-upload/fc-oss-upload/shared/api"
	"github.com/fc-oss-upload/fc-oss-upload/shared/fcweb/fcwebtest"
)

const callbackURL = "https://up.example.com/oss_upload_callback"

// TestPostPolicyBindsCallback: with OSS_CALLBACK_URL, the form carries OSS's callback field, the
// policy pins it, and the custom variables name the user and filename.
func TestPostPolicyBindsCallback(t *testing.T) {
	t.Parallel()
	idp, env := fcwebtest.Issuer(t, testNow)
	env["OSS_CALLBACK_URL"] = callbackURL
	ev := fcwebtest.SignedIn(t, idp, fcwebtest.Fixture(t, filepath.Join("testdata", "get_as_user.json")), "alice@example.com")
	r := fcwebtest.Invoke(t, newTestHandler(t, env), ev, testCreds)
	if r.Status != 200 {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	var got api.PostPolicy
	r.JSON(t, &got)
	cb := got.Fields["callback"]
	raw, err := base64.StdEncoding.DecodeString(cb)
	if err != nil {
		t.Fatalf("callback field %q is not base64", cb)
	}
	var p struct{ CallbackURL, CallbackBody, CallbackBodyType string }
	if err := json.Unmarshal(raw, &p); err != nil || p.CallbackURL != callbackURL || p.CallbackBodyType != "application/x-www-form-urlencoded" || p.CallbackBody == "" {
		t.Errorf("callback %s (%v)", raw, err)
	}
	_, conds := conditions(t, got.Policy)
	if !has(conds, []any{"eq", "$callback", cb}) {
		t.Errorf("the policy does not bind the callback: %v", conds)
	}
	if got.Fields["x:user"] != "alice@example.com" || got.Fields["x:filename"] != "photo.png" {
		t.Errorf("custom variables %v", got.Fields)
	}

	r = invoke(t, newTestHandler(t, nil), "get_json")
	got = api.PostPolicy{}
	r.JSON(t, &got)
	if _, ok := got.Fields["callback"]; ok {
		t.Error("a callback without OSS_CALLBACK_URL")
	}
	if _, conds := conditions(t, got.Policy); !has(conds, []any{"eq", "$callback", ""}) {
		t.Errorf("without OSS_CALLBACK_URL the policy does not forbid a callback field: %v", conds)
	}
}
