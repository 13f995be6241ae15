package main

import (
	"testing"
)

// TestTokenCarriesCallbackOption: with OSS_CALLBACK_URL the answer holds ali-oss's callback option.
func TestTokenCarriesCallbackOption(t *testing.T) {
	t.Parallel()
	s := newStack(t, functionRole, map[string]string{"OSS_CALLBACK_URL": "https://up.example.com/oss_upload_callback", "AUTH_USER_HEADER": "X-User-Id"})
	r := s.invoke(t, "get_as_user")
	var got tokenResponse
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
	got = tokenResponse{}
	r.JSON(t, &got)
	if got.Callback != nil {
		t.Errorf("a callback option without OSS_CALLBACK_URL: %+v", got.Callback)
	}
}
