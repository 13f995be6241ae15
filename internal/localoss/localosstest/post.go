package localosstest

import (
	"bytes"
	"maps"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"slices"
	"strings"
	"testing"
	"time"
)

// POST is a POST-policy answer: a multipart form with Fields, the file last, sent to Action.
type POST struct {
	Action  string            // the URL the form goes to (the answer's host)
	Fields  map[string]string // every form field to send, by name
	Key     string            // the key the answer names, or "" when the client chooses one under Dir
	Dir     string
	Expire  int64 // unix seconds
	MaxSize int64 // the size limit the answer states
}

// ClientName is the name a client picks under Dir when the answer leaves the key to it.
const ClientName = "中文 a+b~(1) 100%'.png"

// unsigned are form fields OSS does not need in the policy.
var unsigned = map[string]bool{"success_action_status": true}

// post sends the form: fields in name order, then the file.
func (s *Stack) post(t testing.TB, action string, fields map[string]string, body []byte) outcome {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		if err := mw.WriteField(k, fields[k]); err != nil {
			t.Fatal(err)
		}
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="upload.bin"`)
	h.Set("Content-Type", "application/octet-stream")
	fw, err := mw.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(body)
	mw.Close()
	req, err := http.NewRequest(http.MethodPost, action, &buf)
	if err != nil {
		t.Fatalf("answer host: %v", err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return s.do(t, req)
}

// CheckPOST sends the form the answer describes and checks the local OSS stores exactly that
// object; before that, it checks that a one-character change of each field (of the key, within the
// prefix when the answer leaves the key to the client), leaving out any signed field, a file of
// another size, another content type and a late upload are all refused and store nothing.
func (s *Stack) CheckPOST(t testing.TB, a POST, w Want) {
	t.Helper()
	if a.Dir != w.Prefix {
		t.Errorf("answer dir %q, want %q", a.Dir, w.Prefix)
	}
	key := a.Fields["key"]
	if a.Key != key {
		t.Fatalf("answer key %q but form field key %q", a.Key, key)
	}
	fields := copyMap(a.Fields)
	if key == "" {
		key = w.Prefix + ClientName
		fields["key"] = key
	}
	if !strings.HasPrefix(key, w.Prefix) || len(key) == len(w.Prefix) {
		t.Fatalf("key %q is not a name under %q", key, w.Prefix)
	}
	if got := a.Fields["Content-Type"]; got != w.ContentType {
		t.Errorf("answer Content-Type field %q, want %q", got, w.ContentType)
	}
	if w.ForbidOverwrite != (a.Fields["x-oss-forbid-overwrite"] == "true") {
		t.Errorf("answer x-oss-forbid-overwrite %q, want it only when overwriting is forbidden (%v)", a.Fields["x-oss-forbid-overwrite"], w.ForbidOverwrite)
	}
	maxSize := w.MaxSize
	if w.Size >= 0 {
		maxSize = w.Size
	}
	if a.MaxSize != maxSize {
		t.Errorf("answer max_size %d, want %d", a.MaxSize, maxSize)
	}
	body := w.body()

	for _, name := range slices.Sorted(maps.Keys(fields)) {
		if unsigned[name] {
			continue
		}
		for _, m := range mutations(fields[name]) {
			if name == "key" && a.Key == "" && strings.HasPrefix(m, w.Prefix) {
				continue // the client's own part of the key is the client's to choose
			}
			f := copyMap(fields)
			f[name] = m
			s.refused(t, "field "+name+" changed to "+m, s.post(t, a.Action, f, body))
		}
		f := copyMap(fields)
		delete(f, name)
		s.refused(t, "field "+name+" left out", s.post(t, a.Action, f, body))
	}
	if a.Key == "" {
		f := copyMap(fields)
		f["key"] = strings.TrimSuffix(w.Prefix, "/") + "-outside/" + ClientName
		s.refused(t, "a key beside the prefix", s.post(t, a.Action, f, body))
	}
	if w.ContentType != "" {
		f := copyMap(fields)
		f["Content-Type"] = "text/html"
		s.refused(t, "another Content-Type", s.post(t, a.Action, f, body))
	}
	s.refused(t, "one byte over the limit", s.post(t, a.Action, fields, bytes.Repeat([]byte("u"), int(maxSize)+1)))
	if w.Size > 0 {
		s.refused(t, "one byte less than the size", s.post(t, a.Action, fields, body[1:]))
	}
	s.Clock.Set(time.Unix(a.Expire+1, 0))
	s.refused(t, "a second after the answer's expiry", s.post(t, a.Action, fields, body))
	s.Clock.Set(s.start)

	if o := s.post(t, a.Action, fields, body); o.status != http.StatusOK && o.status != http.StatusNoContent {
		t.Fatalf("upload as the answer says: %d %s", o.status, o)
	}
	s.checkStored(t, key, body, w.ContentType)
	o := s.post(t, a.Action, fields, body)
	if w.ForbidOverwrite && o.code != "FileAlreadyExists" {
		t.Errorf("second upload with overwriting forbidden: %s, want FileAlreadyExists", o)
	}
	if !w.ForbidOverwrite && o.status >= 300 {
		t.Errorf("second upload with overwriting allowed: %s", o)
	}
}
