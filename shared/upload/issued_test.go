package upload

import (
	"testing"
	"time"
)

func TestCheckIssuedKey(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 29, 23, 59, 0, 0, time.UTC)
	var id [16]byte
	for i := range id {
		id[i] = byte(i * 17)
	}
	for _, in := range []Intent{{Filename: "a.png"}, {Filename: "noext"}, {Filename: "x.tar.gz"}, {}} {
		key := ObjectKey("uploads/alice/", in, id, now)
		if err := CheckIssuedKey("uploads/alice/", key); err != nil {
			t.Errorf("issued key %q refused: %v", key, err)
		}
		if err := CheckIssuedKey("uploads/bob/", key); err == nil || AsError(err).Code != CodePermissionDenied {
			t.Errorf("key %q accepted under another user's prefix: %v", key, err)
		}
	}
	for _, key := range []string{
		"uploads/alice/2026/11/29/00112233445566778899aabbccddeeff/../../x",
		"uploads/alice/2026/11/29/00112233445566778899AABBCCDDEEFF.png",
		"uploads/alice/2026/13/29/00112233445566778899aabbccddeeff.png",
		"uploads/alice/2026/11/29/00112233445566778899aabbccddeef.png",
		"uploads/alice/2026/11/29/00112233445566778899aabbccddeeff.PNG",
		"uploads/alice/2026/11/29/00112233445566778899aabbccddeeff.png/x",
		"uploads/alice/2026/11/29/00112233445566778899aabbccddeeff-x",
		"uploads/alice/other",
		"uploads/alice/",
		"uploads/alice/bob/2026/11/29/00112233445566778899aabbccddeeff",
	} {
		if err := CheckIssuedKey("uploads/alice/", key); err == nil {
			t.Errorf("key %q accepted", key)
		}
	}
}
