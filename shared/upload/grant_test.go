package upload

import (
	"reflect"
	"testing"
	"time"
)

var grantNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func TestGrantPut(t *testing.T) {
	t.Parallel()
	r := Rules{Bucket: "b", Dir: "u/", MaxSize: 1000, DefaultContentType: "application/octet-stream", ForbidOverwrite: true, Expires: time.Minute}
	// A limit is set: a URL without a signed size would take any body (issue 18 row 2).
	if _, err := r.Grant(Put, Ask{Intent: Intent{Filename: "a.png", Size: -1}}, grantNow); code(err) != CodeInvalidArgument {
		t.Errorf("unsized: %v", err)
	}
	g, err := r.Grant(Put, Ask{Intent: Intent{Filename: "a.png", Size: 10}, User: "alice"}, grantNow)
	want := Grant{Bucket: "b", Prefix: "u/alice/", User: "alice", Key: "u/alice/2026/01/02/00000000000000000000000000000000.png", Filename: "a.png",
		Size: 10, MaxSize: 10, ContentType: "image/png", ForbidOverwrite: true, Now: grantNow, Expires: grantNow.Add(time.Minute)}
	if err != nil || !reflect.DeepEqual(g, want) {
		t.Errorf("png:\n got %+v %v\nwant %+v", g, err, want)
	}
	if h := g.PutHeaders(); !reflect.DeepEqual(h, map[string]string{"Content-Type": "image/png", "x-oss-forbid-overwrite": "true", "Content-Length": "10"}) {
		t.Errorf("headers %v", h)
	}
	g, err = r.Grant(Put, Ask{Intent: Intent{Filename: "a.html", Size: 10}}, grantNow)
	if err != nil || g.Disposition != dispositionAttachment || g.ContentType != "text/html" || g.Prefix != "u/" {
		t.Errorf("html: %+v %v", g, err)
	}
	r.MaxSize, r.DefaultContentType = 0, ""
	// No type signed: OSS stores application/octet-stream, which is inert.
	if g, err := r.Grant(Put, Ask{Intent: Intent{Size: -1}}, grantNow); err != nil || g.Size != -1 || g.Disposition != "" || g.ContentType != "" {
		t.Errorf("no limit: %+v %v", g, err)
	}
	r.AllowedTypes = []string{"image/png"}
	if _, err := r.Grant(Put, Ask{Intent: Intent{Filename: "a.html", Size: -1}}, grantNow); code(err) != CodeUnsupportedMediaType {
		t.Errorf("type checked before size: %v", err)
	}
	if _, err := r.Grant(Put, Ask{Intent: Intent{Filename: "a\x00.png", Size: 1}}, grantNow); code(err) != CodeInvalidArgument {
		t.Errorf("intent not checked: %v", err)
	}
}

func TestGrantForm(t *testing.T) {
	t.Parallel()
	r := Rules{Dir: "u/", ForbidOverwrite: true}
	g, err := r.Grant(FormAnyKey, Ask{Intent: Intent{Size: -1}}, grantNow)
	if err != nil || g.MaxSize != MaxObjectBytes || g.Size != -1 || g.Prefix != "u/" || g.Key != "" || g.Disposition != dispositionAttachment || g.ContentType != "" {
		t.Errorf("unnamed: %+v %v", g, err)
	}
	// Form always chooses the key; a form with no type bound is a download.
	if g, err := r.Grant(Form, Ask{Intent: Intent{Size: -1}}, grantNow); err != nil || g.Key == "" || g.Disposition != dispositionAttachment {
		t.Errorf("Form unnamed: %+v %v", g, err)
	}
	g, err = r.Grant(FormAnyKey, Ask{Intent: Intent{Filename: "x.svg", Size: 5}}, grantNow)
	if err != nil || g.ContentType != "image/svg+xml" || g.Disposition != dispositionAttachment || g.Size != 5 || g.MaxSize != 5 || g.Key == "" {
		t.Errorf("svg: %+v %v", g, err)
	}
	r.AllowedTypes = []string{"image/png", "image/jpeg"}
	g, err = r.Grant(FormAnyKey, Ask{Intent: Intent{Size: -1}}, grantNow)
	if err != nil || len(g.Types) != 2 || g.Disposition != "" {
		t.Errorf("allow-list of inert types: %+v %v", g, err)
	}
}

func TestGrantMultipart(t *testing.T) {
	t.Parallel()
	r := Rules{Dir: "u/", MaxSize: 100}
	// The key carries the size, which every part's length is computed from.
	g, err := r.Grant(Multipart, Ask{Intent: Intent{Filename: "a.js", Size: 42}}, grantNow)
	if size, kerr := CheckIssuedKey("u/", g.Key); err != nil || kerr != nil || size != 42 || g.ContentType != "text/javascript" || g.Disposition != dispositionAttachment {
		t.Errorf("js: %+v %v %v", g, err, kerr)
	}
	if _, err := r.Grant(Multipart, Ask{Intent: Intent{Filename: "a.js", Size: -1}}, grantNow); code(err) != CodeInvalidArgument {
		t.Errorf("unsized: %v", err)
	}
	if _, err := r.Grant(Multipart, Ask{Intent: Intent{Filename: "a.js", Size: 0}}, grantNow); code(err) != CodeInvalidArgument {
		t.Errorf("an empty file's multipart upload: %v; want %s", err, CodeInvalidArgument)
	}
	if _, err := r.Grant(Multipart, Ask{Intent: Intent{Size: 101}}, grantNow); code(err) != CodePayloadTooLarge {
		t.Errorf("over the limit: %v", err)
	}
}
