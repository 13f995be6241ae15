package upload

import "testing"

func TestInert(t *testing.T) {
	t.Parallel()
	for _, ct := range []string{"image/png", "IMAGE/JPEG", "image/webp", "audio/mpeg", "video/mp4", "text/plain", "text/plain; charset=utf-8", "application/octet-stream"} {
		if !inert(ct) {
			t.Errorf("inert(%q) = false", ct)
		}
	}
	for _, ct := range []string{"text/html", "Text/HTML; charset=UTF-8", "image/svg+xml", "text/javascript", "application/javascript",
		"text/xml", "application/xml", "application/xhtml+xml", "image/x-xbitmap+xml", "application/pdf", "text/css", "application/json",
		"", "not a type", "multipart/x-mixed-replace"} {
		if inert(ct) {
			t.Errorf("inert(%q) = true", ct)
		}
	}
}

func TestDisposition(t *testing.T) {
	t.Parallel()
	r := Rules{}
	if d := r.Disposition("image/png"); d != "" {
		t.Errorf("png: %q", d)
	}
	for _, types := range [][]string{{"text/html"}, {"image/png", "image/svg+xml"}, nil} {
		if d := r.Disposition(types...); d != dispositionAttachment {
			t.Errorf("%v: %q, want attachment", types, d)
		}
	}
	r.AllowActiveContent = true
	if d := r.Disposition("text/html"); d != "" {
		t.Errorf("allowed active content: %q", d)
	}
}

func TestCheckResource(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"uploads/", "my-bucket", "a.b_c@d/"} {
		if err := CheckResource("x", ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"up?oads/", "a*/", "${ram:x}/", "b$"} {
		if err := CheckResource("x", bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
		if err := CheckDir(bad + "/"); err == nil {
			t.Errorf("CheckDir(%q) accepted", bad+"/")
		}
	}
}
