package upload

import (
	"mime"
	"strings"
)

// dispositionAttachment is the Content-Disposition signed for content a browser could execute: the
// bucket's domain then serves it as a download, never as a page (stored XSS).
const dispositionAttachment = "attachment"

// inert reports whether a browser shows content of type ct without running anything in the
// bucket's origin: raster images, audio, video, plain text and opaque bytes. Everything else (HTML,
// SVG and any +xml, JavaScript, CSS, XML, PDF, JSON, unknown or unparsable types) is treated as
// active. The list is short on purpose: a type missing from it is only served as a download.
func inert(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	top, sub, ok := strings.Cut(mt, "/")
	if !ok || strings.HasSuffix(sub, "+xml") || strings.Contains(sub, "xml") {
		return false
	}
	switch top {
	case "image", "audio", "video":
		return true
	}
	return mt == "text/plain" || mt == "application/octet-stream"
}

// Disposition returns the Content-Disposition to sign for an upload whose stored type is one of
// types: "attachment" when any of them is active (or none is known: an empty list) and the
// deployment does not allow active content; otherwise "" (nothing to sign).
func (r Rules) Disposition(types ...string) string {
	if r.AllowActiveContent {
		return ""
	}
	if len(types) == 0 {
		return dispositionAttachment
	}
	for _, t := range types {
		if !inert(t) {
			return dispositionAttachment
		}
	}
	return ""
}
