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
		for _, size := range []int64{-1, 0, 1, 5 << 20, 52428800000} {
			key := ObjectKey("uploads/alice/", in, id, now)
			if size >= 0 {
				key = MultipartKey("uploads/alice/", in, id, now, size)
			}
			got, err := CheckIssuedKey("uploads/alice/", key)
			if err != nil || got != size {
				t.Errorf("issued key %q: size %d, %v; want %d", key, got, err, size)
			}
			if _, err := CheckIssuedKey("uploads/bob/", key); err == nil || AsError(err).Code != CodePermissionDenied {
				t.Errorf("key %q accepted under another user's prefix: %v", key, err)
			}
		}
	}
	if key := MultipartKey("uploads/", Intent{Filename: "clip.MP4"}, id, now, 16789012); key != "uploads/2026/11/29/00112233445566778899aabbccddeeff-16789012.mp4" {
		t.Errorf("multipart key %q", key)
	}
	for _, key := range []string{
		"uploads/alice/2026/11/29/00112233445566778899aabbccddeeff/../../x",
		"uploads/alice/2026/11/29/00112233445566778899AABBCCDDEEFF.png",
		"uploads/alice/2026/13/29/00112233445566778899aabbccddeeff.png",
		"uploads/alice/2026/11/29/00112233445566778899aabbccddeef.png",
		"uploads/alice/2026/11/29/00112233445566778899aabbccddeeff.PNG",
		"uploads/alice/2026/11/29/00112233445566778899aabbccddeeff.png/x",
		"uploads/alice/2026/11/29/00112233445566778899aabbccddeeff-x",
		// Sizes only in MultipartKey's canonical form.
		"uploads/alice/2026/11/29/00112233445566778899aabbccddeeff-",
		"uploads/alice/2026/11/29/00112233445566778899aabbccddeeff-.png",
		"uploads/alice/2026/11/29/00112233445566778899aabbccddeeff-012.png",
		"uploads/alice/2026/11/29/00112233445566778899aabbccddeeff--12.png",
		"uploads/alice/2026/11/29/00112233445566778899aabbccddeeff-+12.png",
		"uploads/alice/2026/11/29/00112233445566778899aabbccddeeff-1e3.png",
		"uploads/alice/2026/11/29/00112233445566778899aabbccddeeff-12-13.png",
		"uploads/alice/2026/11/29/00112233445566778899aabbccddeeff-1234567890123456",
		"uploads/alice/2026/11/29/00112233445566778899aabbccddeeff-99999999999999999999",
		"uploads/alice/2026/11/29/00112233445566778899aabbccddeeff-12.png.png",
		"uploads/alice/2026/11/29/00112233445566778899aabbccddeeff-12/x",
		"uploads/alice/other",
		"uploads/alice/",
		"uploads/alice/bob/2026/11/29/00112233445566778899aabbccddeeff",
	} {
		if size, err := CheckIssuedKey("uploads/alice/", key); err == nil {
			t.Errorf("key %q accepted (size %d)", key, size)
		}
	}
}
