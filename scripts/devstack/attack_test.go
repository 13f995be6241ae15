package devstack

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The attack table of issue 18 (README "Security and reliability"), end to end: each test takes
// what a function hands out, changes or adds what an attacker would, and checks that the function
// or the local OSS refuses it and that nothing is stored. Unless a test says otherwise it runs
// against defaults, the stack with every setting at its default.

// fetchJSON GETs path from st's origin with Accept: application/json and decodes a 200 answer;
// it returns the status and error code of any other answer.
func fetchJSON(t *testing.T, st *Stack, path string, v any) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, st.OriginURL+path, nil)
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		var e struct {
			Error struct{ Code string } `json:"error"`
		}
		json.Unmarshal(body, &e)
		return resp.StatusCode, e.Error.Code
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v: %s", path, err, body)
	}
	return 200, ""
}

func mustJSON(t *testing.T, st *Stack, path string, v any) {
	t.Helper()
	if status, code := fetchJSON(t, st, path, v); status != 200 {
		t.Fatalf("GET %s: %d %s", path, status, code)
	}
}

// noRedirect never follows a redirect: a test must see OSS's 303, and talks to loopback only.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// formPost sends fields in order, then the file with the part Content-Type partType, last.
func formPost(t *testing.T, host string, fields [][2]string, filename, partType string, data []byte) *http.Response {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, f := range fields {
		w.WriteField(f[0], f[1])
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, filename))
	h.Set("Content-Type", partType)
	fw, _ := w.CreatePart(h)
	fw.Write(data)
	w.Close()
	resp, err := noRedirect.Post(host, w.FormDataContentType(), &b)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// with returns the fields of m with changes applied ("" deletes a field), in a fixed order.
func with(m map[string]string, changes ...string) [][2]string {
	c := map[string]string{}
	for k, v := range m {
		c[k] = v
	}
	for i := 0; i+1 < len(changes); i += 2 {
		if changes[i+1] == "" {
			delete(c, changes[i])
		} else {
			c[changes[i]] = changes[i+1]
		}
	}
	return fieldsOf(c)
}

func objectAt(t *testing.T, st *Stack, key string) ([]byte, map[string]string, string, bool) {
	t.Helper()
	data, meta, err := st.OSS.Object(st.Bucket, key)
	if err != nil {
		return nil, nil, "", false
	}
	return data, meta.Headers, meta.ContentType, true
}

func absentAt(t *testing.T, st *Stack, key string) {
	t.Helper()
	if _, _, _, ok := objectAt(t, st, key); ok {
		t.Fatalf("object %s was stored", key)
	}
}

// TestAttackExtraContentTypeField (issue 18 row 1): OSS stores a form's x-oss-content-type before
// its Content-Type field, and takes fields the policy does not name; every policy binds it.
func TestAttackExtraContentTypeField(t *testing.T) {
	data := []byte("<script>alert(document.domain)</script>")
	for _, st := range []*Stack{stack, defaults} { // with OSS_ALLOWED_CONTENT_TYPES, and without
		var s postSignature
		mustJSON(t, st, fmt.Sprintf("/get_post_signature_for_oss_upload?filename=pic.png&size=%d", len(data)), &s)
		if status, code := ossError(t, formPost(t, s.Host, with(s.Fields, "x-oss-content-type", "text/html"), "pic.png", "image/png", data)); status != 403 || code != "AccessDenied" {
			t.Fatalf("named file, x-oss-content-type added: %d %s", status, code)
		}
		absentAt(t, st, s.Key)
		// As returned, the object is stored with the signed type.
		if status, code := ossError(t, formPost(t, s.Host, fieldsOf(s.Fields), "pic.png", "text/html", data)); status != 200 {
			t.Fatalf("as signed: %d %s", status, code)
		}
		if _, _, ct, ok := objectAt(t, st, s.Key); !ok || ct != "image/png" {
			t.Fatalf("stored as %q (%v), want image/png", ct, ok)
		}
	}
	// No file named: the type is bound to the allow-list, x-oss-content-type included.
	var s postSignature
	mustJSON(t, stack, "/get_post_signature_for_oss_upload", &s)
	key := s.Dir + "typed.png"
	if status, code := ossError(t, formPost(t, s.Host, with(s.Fields, "key", key, "Content-Type", "image/png", "x-oss-content-type", "text/html"), "typed.png", "image/png", data)); status != 403 || code != "AccessDenied" {
		t.Fatalf("allow-list, x-oss-content-type text/html: %d %s", status, code)
	}
	absentAt(t, stack, key)
}

// TestAttackPresignWithoutSize (issue 18 row 2): a presigned URL never takes more than the limit.
func TestAttackPresignWithoutSize(t *testing.T) {
	var p presigned
	if status, code := fetchJSON(t, defaults, "/get_presigned_url_for_oss_upload?filename=big.bin", &p); status != 400 || code != "invalid_argument" {
		t.Fatalf("no size under the default 100 MiB limit: %d %s", status, code)
	}
	if status, code := fetchJSON(t, defaults, "/get_presigned_url_for_oss_upload?filename=big.bin&size=104857601", &p); status != 413 || code != "payload_too_large" {
		t.Fatalf("size over the limit: %d %s", status, code)
	}
	// A signed size pins the body: 50,000 bytes on a URL signed for 1,000 are refused.
	mustJSON(t, defaults, "/get_presigned_url_for_oss_upload?filename=small.bin&size=1000", &p)
	if status, code := ossError(t, put(t, p, make([]byte, 50_000), p.Headers)); status != 403 || code != "SignatureDoesNotMatch" {
		t.Fatalf("50,000 bytes on a 1,000-byte URL: %d %s", status, code)
	}
	absentAt(t, defaults, p.Key)
}

// TestAttackActiveContent (issue 18 row 3): by default HTML, SVG and JavaScript are signed with
// Content-Disposition: attachment, in both flows, and the disposition cannot be dropped or changed.
func TestAttackActiveContent(t *testing.T) {
	page := []byte("<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>")
	t.Run("post", func(t *testing.T) {
		for _, name := range []string{"x.html", "x.svg", "x.js"} {
			var s postSignature
			mustJSON(t, defaults, fmt.Sprintf("/get_post_signature_for_oss_upload?filename=%s&size=%d", name, len(page)), &s)
			if s.Fields["Content-Disposition"] != "attachment" {
				t.Fatalf("%s: fields %v", name, s.Fields)
			}
			for _, d := range []string{"", "inline", "attachment; filename=x.html"} {
				if status, code := ossError(t, formPost(t, s.Host, with(s.Fields, "Content-Disposition", d), name, "text/html", page)); status != 403 || code != "AccessDenied" {
					t.Fatalf("%s with Content-Disposition %q: %d %s", name, d, status, code)
				}
				absentAt(t, defaults, s.Key)
			}
			if status, code := ossError(t, formPost(t, s.Host, fieldsOf(s.Fields), name, "text/html", page)); status != 200 {
				t.Fatalf("%s as signed: %d %s", name, status, code)
			}
			if _, h, _, _ := objectAt(t, defaults, s.Key); h["Content-Disposition"] != "attachment" {
				t.Fatalf("%s stored with %v", name, h)
			}
		}
		// No file named, so the browser's own type is stored: always a download.
		var s postSignature
		mustJSON(t, defaults, "/get_post_signature_for_oss_upload", &s)
		key := s.Dir + "unnamed.svg"
		if status, code := ossError(t, formPost(t, s.Host, with(s.Fields, "key", key, "Content-Disposition", ""), "unnamed.svg", "image/svg+xml", page)); status != 403 || code != "AccessDenied" {
			t.Fatalf("unnamed without disposition: %d %s", status, code)
		}
		absentAt(t, defaults, key)
	})
	t.Run("presign", func(t *testing.T) {
		var p presigned
		mustJSON(t, defaults, fmt.Sprintf("/get_presigned_url_for_oss_upload?filename=x.svg&size=%d", len(page)), &p)
		if p.Headers["Content-Disposition"] != "attachment" || p.Headers["Content-Type"] != "image/svg+xml" {
			t.Fatalf("headers %v", p.Headers)
		}
		// Dropped: OSS refuses a request without a header the URL signs; changed: the signature.
		for d, want := range map[string]string{"": "AccessDenied", "inline": "SignatureDoesNotMatch"} {
			h := map[string]string{}
			for k, v := range p.Headers {
				h[k] = v
			}
			if d == "" {
				delete(h, "Content-Disposition")
			} else {
				h["Content-Disposition"] = d
			}
			if status, code := ossError(t, put(t, p, page, h)); status != 403 || code != want {
				t.Fatalf("Content-Disposition %q: %d %s, want 403 %s", d, status, code, want)
			}
			absentAt(t, defaults, p.Key)
		}
		if status, code := ossError(t, put(t, p, page, p.Headers)); status != 200 {
			t.Fatalf("as signed: %d %s", status, code)
		}
		if _, h, _, _ := objectAt(t, defaults, p.Key); h["Content-Disposition"] != "attachment" {
			t.Fatalf("stored with %v", h)
		}
	})
}

// TestAttackServingHeaders (issue 18 row 4): what changes how an object is served is bound in POST
// policies (disposition, encoding, ACL); a presigned PUT signs Content-Type, x-oss-* and, for
// active content, Content-Disposition (see the README for the headers V4 cannot bind).
func TestAttackServingHeaders(t *testing.T) {
	data := []byte("\x89PNG not really")
	for _, extra := range [][2]string{
		{"Content-Disposition", "attachment; filename=invoice.exe"},
		{"Content-Encoding", "gzip"},
		{"x-oss-object-acl", "public-read-write"},
		{"x-oss-storage-class", "ColdArchive"},
	} {
		var s postSignature
		mustJSON(t, defaults, fmt.Sprintf("/get_post_signature_for_oss_upload?filename=pic.png&size=%d", len(data)), &s)
		if status, code := ossError(t, formPost(t, s.Host, with(s.Fields, extra[0], extra[1]), "pic.png", "image/png", data)); status != 403 || code != "AccessDenied" {
			t.Fatalf("POST with %s: %d %s", extra[0], status, code)
		}
		absentAt(t, defaults, s.Key)
	}
	// x-oss-* headers are always signed: an ACL cannot be added to a presigned PUT.
	var p presigned
	mustJSON(t, defaults, fmt.Sprintf("/get_presigned_url_for_oss_upload?filename=pic.png&size=%d", len(data)), &p)
	h := map[string]string{"x-oss-object-acl": "public-read"}
	for k, v := range p.Headers {
		h[k] = v
	}
	if status, code := ossError(t, put(t, p, data, h)); status != 403 || code != "SignatureDoesNotMatch" {
		t.Fatalf("PUT with x-oss-object-acl: %d %s", status, code)
	}
	absentAt(t, defaults, p.Key)
}

// TestAttackOverwrite (issue 18 row 5): by default no upload replaces an object, including a POST
// policy issued without a filename (any key under the prefix).
func TestAttackOverwrite(t *testing.T) {
	first, second := []byte("the original"), []byte("the replacement")
	var s postSignature
	mustJSON(t, defaults, "/get_post_signature_for_oss_upload?contentType=text/plain", &s)
	if s.Fields["x-oss-forbid-overwrite"] != "true" {
		t.Fatalf("fields %v", s.Fields)
	}
	key := s.Dir + "shared-name.txt"
	if status, code := ossError(t, formPost(t, s.Host, with(s.Fields, "key", key), "a.txt", "text/plain", first)); status != 200 {
		t.Fatalf("first upload: %d %s", status, code)
	}
	for _, v := range []string{"true", "", "false"} {
		var again postSignature
		mustJSON(t, defaults, "/get_post_signature_for_oss_upload?contentType=text/plain", &again)
		want, wantCode := 403, "AccessDenied" // the policy requires x-oss-forbid-overwrite: true
		if v == "true" {
			want, wantCode = 409, "FileAlreadyExists"
		}
		if status, code := ossError(t, formPost(t, again.Host, with(again.Fields, "key", key, "x-oss-forbid-overwrite", v), "a.txt", "text/plain", second)); status != want || code != wantCode {
			t.Fatalf("overwrite with x-oss-forbid-overwrite %q: %d %s, want %d %s", v, status, code, want, wantCode)
		}
		if got, _, _, _ := objectAt(t, defaults, key); !bytes.Equal(got, first) {
			t.Fatalf("object replaced: %q", got)
		}
	}
	var p presigned
	mustJSON(t, defaults, "/get_presigned_url_for_oss_upload?filename=a.txt&size=3", &p)
	if p.Headers["x-oss-forbid-overwrite"] != "true" {
		t.Fatalf("presign headers %v", p.Headers)
	}
	h := map[string]string{}
	for k, v := range p.Headers {
		if k != "x-oss-forbid-overwrite" {
			h[k] = v
		}
	}
	if status, code := ossError(t, put(t, p, []byte("abc"), h)); status != 403 || code != "SignatureDoesNotMatch" {
		t.Fatalf("PUT without x-oss-forbid-overwrite: %d %s", status, code)
	}
	absentAt(t, defaults, p.Key)
}

// TestAttackRedirect (issue 18 row 8): a form cannot make OSS redirect to another site, nor pick
// another success status.
func TestAttackRedirect(t *testing.T) {
	data := []byte("\x89PNG")
	for _, extra := range [][2]string{
		{"success_action_redirect", "https://evil.example/"},
		{"success_action_status", "201"},
	} {
		var s postSignature
		mustJSON(t, defaults, fmt.Sprintf("/get_post_signature_for_oss_upload?filename=pic.png&size=%d", len(data)), &s)
		resp := formPost(t, s.Host, with(s.Fields, extra[0], extra[1]), "pic.png", "image/png", data)
		loc := resp.Header.Get("Location")
		if status, code := ossError(t, resp); status != 403 || code != "AccessDenied" || strings.Contains(loc, "evil") {
			t.Fatalf("%s=%s: %d %s %q", extra[0], extra[1], status, code, loc)
		}
		absentAt(t, defaults, s.Key)
	}
}

// TestAttackWildcardPrefix (issue 18 row 9): a RAM wildcard in OSS_UPLOAD_DIR or OSS_BUCKET stops
// every function at start-up, naming the setting, before it could sign anything.
func TestAttackWildcardPrefix(t *testing.T) {
	for _, bad := range [][2]string{{"OSS_UPLOAD_DIR", "up?oads/"}, {"OSS_UPLOAD_DIR", "uploads/*/"}, {"OSS_UPLOAD_DIR", "${ram:x}/"}, {"OSS_BUCKET", "local-uploads*"}} {
		for fn, bin := range bins {
			cmd := exec.Command(bin)
			cmd.Env = append(os.Environ(), "OSS_BUCKET=local-uploads", "OSS_REGION=cn-hangzhou",
				"OSS_STS_ROLE_ARN="+LocalRoleARN, bad[0]+"="+bad[1])
			out, err := cmd.CombinedOutput()
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(string(out), bad[0]) {
				t.Errorf("%s with %s=%q: %v %s", fn, bad[0], bad[1], err, out)
			}
		}
	}
}

// TestAttackOriginScheme (issue 18 row 9): the same host under another scheme is another origin.
func TestAttackOriginScheme(t *testing.T) {
	call := func(origin string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, defaults.OriginURL+"/get_presigned_url_for_oss_upload",
			strings.NewReader(`{"filename":"a.png","size":10}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", origin)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var e struct {
			Error struct{ Code string } `json:"error"`
		}
		json.NewDecoder(resp.Body).Decode(&e)
		return resp.StatusCode, e.Error.Code
	}
	host := strings.TrimPrefix(defaults.OriginURL, "http://")
	if status, code := call("http://" + host); status != 200 {
		t.Fatalf("same origin: %d %s", status, code)
	}
	if status, code := call("https://" + host); status != 403 || code != "permission_denied" {
		t.Fatalf("https origin on the http site: %d %s", status, code)
	}
}

// TestAttackURLReuse (kept): a presigned PUT URL cannot read or delete, the method is signed.
func TestAttackURLReuse(t *testing.T) {
	data := []byte("kept")
	var p presigned
	mustJSON(t, defaults, fmt.Sprintf("/get_presigned_url_for_oss_upload?filename=a.txt&size=%d", len(data)), &p)
	if status, code := ossError(t, put(t, p, data, p.Headers)); status != 200 {
		t.Fatalf("upload: %d %s", status, code)
	}
	for _, method := range []string{http.MethodGet, http.MethodDelete} {
		req, _ := http.NewRequest(method, p.URL, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		// The method is signed; a GET or DELETE also lacks the signed Content-Length.
		if status, code := ossError(t, resp); status != 403 || (code != "SignatureDoesNotMatch" && code != "AccessDenied") {
			t.Fatalf("%s with the PUT URL: %d %s", method, status, code)
		}
	}
	if got, _, _, ok := objectAt(t, defaults, p.Key); !ok || !bytes.Equal(got, data) {
		t.Fatalf("object changed: %q %v", got, ok)
	}
}
