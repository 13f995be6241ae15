package localoss

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
	"time"
)

// The PostObject policies below are built by hand with json.Marshal and signed with a minimal
// in-test HMAC (the V1 POST golden vector pins the server's own use of HMAC).

func testSignV1Post(secret, policy string) string {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write([]byte(policy))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func testSignV4Post(secret, date, region, policy string) string {
	k := []byte("aliyun_v4" + secret)
	for _, part := range []string{date, region, "oss", "aliyun_v4_request"} {
		m := hmac.New(sha256.New, k)
		m.Write([]byte(part))
		k = m.Sum(nil)
	}
	m := hmac.New(sha256.New, k)
	m.Write([]byte(policy))
	return hex.EncodeToString(m.Sum(nil))
}

func encodePolicy(t *testing.T, expiration time.Time, conds []any) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{"expiration": expiration.UTC().Format("2006-01-02T15:04:05.000Z"), "conditions": conds})
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

type field struct{ name, value string }

type postAuthMode struct {
	name string
	v4   bool
	cred sdkCred
}

var postModes = []postAuthMode{
	{"v1/permanent", false, sdkCreds[0]},
	{"v1/sts", false, sdkCreds[1]},
	{"v4/permanent", true, sdkCreds[0]},
	{"v4/sts", true, sdkCreds[1]},
}

type postCase struct {
	name        string
	conds       []any   // conditions besides the signing ones
	fields      []field // form fields besides the signing ones, before the file
	file        []byte
	filename    string
	fileNotLast bool
	noFile      bool
	expires     time.Duration         // policy lifetime; default one hour
	policy      func(string) string   // replaces the policy text before signing
	tamper      func([]field) []field // edits the signed form
	wantStatus  int
	wantCode    string
	wantMessage string
	wantKey     string // object that must now exist
	wantType    string // its content type
}

// buildPost signs and encodes the form of tc for mode at now.
func buildPost(t *testing.T, mode postAuthMode, tc postCase, now time.Time, region string) (string, []byte) {
	t.Helper()
	conds := append([]any(nil), tc.conds...)
	var auth []field
	datetime := now.UTC().Format("20060102T150405Z")
	credential := mode.cred.ak + "/" + datetime[:8] + "/" + region + "/oss/aliyun_v4_request"
	if mode.v4 {
		conds = append(conds, map[string]string{"x-oss-signature-version": "OSS4-HMAC-SHA256"},
			map[string]string{"x-oss-credential": credential}, map[string]string{"x-oss-date": datetime})
		if mode.cred.token != "" {
			conds = append(conds, map[string]string{"x-oss-security-token": mode.cred.token})
		}
	}
	exp := tc.expires
	if exp == 0 {
		exp = time.Hour
	}
	policy := encodePolicy(t, now.Add(exp), conds)
	if tc.policy != nil {
		policy = tc.policy(policy)
	}
	if mode.v4 {
		auth = []field{{"policy", policy}, {"x-oss-signature-version", "OSS4-HMAC-SHA256"}, {"x-oss-credential", credential},
			{"x-oss-date", datetime}, {"x-oss-signature", testSignV4Post(mode.cred.sk, datetime[:8], region, policy)}}
	} else {
		auth = []field{{"OSSAccessKeyId", mode.cred.ak}, {"policy", policy}, {"Signature", testSignV1Post(mode.cred.sk, policy)}}
	}
	if mode.cred.token != "" {
		auth = append(auth, field{"x-oss-security-token", mode.cred.token})
	}
	fields := append(append([]field(nil), tc.fields...), auth...)
	if tc.tamper != nil {
		fields = tc.tamper(fields)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	writeFile := func() {
		name := tc.filename
		if name == "" {
			name = "photo.png"
		}
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="file"; filename="`+name+`"`)
		h.Set("Content-Type", "application/x-from-part")
		w, _ := mw.CreatePart(h)
		w.Write(tc.file)
	}
	if tc.fileNotLast {
		writeFile()
	}
	for _, f := range fields {
		mw.WriteField(f.name, f.value)
	}
	if !tc.fileNotLast && !tc.noFile {
		writeFile()
	}
	mw.Close()
	return mw.FormDataContentType(), body.Bytes()
}

func setField(fields []field, name, value string) []field {
	for i := range fields {
		if strings.EqualFold(fields[i].name, name) {
			fields[i].value = value
			return fields
		}
	}
	return append(fields, field{name, value})
}

func dropField(fields []field, name string) []field {
	var out []field
	for _, f := range fields {
		if !strings.EqualFold(f.name, name) {
			out = append(out, f)
		}
	}
	return out
}

func TestPostObject(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	key := "uploads/" + testKey
	keyCond := []any{"eq", "$key", key}
	png := []byte("\x89PNG fake image bytes")
	cases := []postCase{
		{name: "exact conditions", conds: []any{map[string]string{"bucket": testBucket}, keyCond},
			fields:     []field{{"key", key}, {"Content-Type", "image/png"}, {"x-oss-meta-owner", "me"}},
			wantStatus: 204, wantKey: key, wantType: "image/png"},
		{name: "field names case-insensitive", conds: []any{keyCond, []any{"eq", "$Content-Type", "image/png"}},
			fields: []field{{"KEY", key}, {"content-type", "image/png"}}, wantStatus: 204, wantKey: key, wantType: "image/png"},
		{name: "bucket mismatch", conds: []any{map[string]string{"bucket": "other-bucket"}}, fields: []field{{"key", key}},
			wantStatus: 403, wantCode: CodeAccessDenied, wantMessage: `Invalid according to Policy: Policy Condition failed: ["eq", "$bucket", "other-bucket"]`},
		{name: "eq fails", conds: []any{[]any{"eq", "$key", "uploads/other"}}, fields: []field{{"key", key}},
			wantStatus: 403, wantCode: CodeAccessDenied, wantMessage: `Invalid according to Policy: Policy Condition failed: ["eq", "$key", "uploads/other"]`},
		{name: "starts-with ok", conds: []any{[]any{"starts-with", "$key", "uploads/"}}, fields: []field{{"key", key}}, wantStatus: 204, wantKey: key, wantType: "application/x-from-part"},
		{name: "starts-with fails", conds: []any{[]any{"starts-with", "$key", "private/"}}, fields: []field{{"key", key}}, wantStatus: 403, wantCode: CodeAccessDenied},
		{name: "in ok", conds: []any{[]any{"in", "$content-type", []string{"image/jpeg", "image/png"}}},
			fields: []field{{"key", key}, {"Content-Type", "image/png"}}, wantStatus: 204, wantKey: key},
		{name: "in fails", conds: []any{[]any{"in", "$content-type", []string{"image/jpeg"}}},
			fields: []field{{"key", key}, {"Content-Type", "image/png"}}, wantStatus: 403, wantCode: CodeAccessDenied},
		{name: "not-in ok", conds: []any{[]any{"not-in", "$cache-control", []string{"no-cache"}}},
			fields: []field{{"key", key}, {"Cache-Control", "max-age=60"}}, wantStatus: 204, wantKey: key},
		{name: "not-in fails", conds: []any{[]any{"not-in", "$cache-control", []string{"no-cache"}}},
			fields: []field{{"key", key}, {"Cache-Control", "no-cache"}}, wantStatus: 403, wantCode: CodeAccessDenied},
		{name: "size in range", conds: []any{[]any{"content-length-range", 1, 100}}, fields: []field{{"key", key}}, wantStatus: 204, wantKey: key},
		{name: "too large", conds: []any{[]any{"content-length-range", 1, 5}}, fields: []field{{"key", key}}, wantStatus: 400, wantCode: CodeEntityTooLarge},
		{name: "too small", conds: []any{[]any{"content-length-range", 1000, 2000}}, fields: []field{{"key", key}}, wantStatus: 400, wantCode: CodeEntityTooSmall},
		{name: "status 200", fields: []field{{"key", key}, {"success_action_status", "200"}}, wantStatus: 200, wantKey: key},
		{name: "status 201", fields: []field{{"key", key}, {"success_action_status", "201"}}, wantStatus: 201, wantKey: key},
		{name: "status invalid is 204", fields: []field{{"key", key}, {"success_action_status", "302"}}, wantStatus: 204, wantKey: key},
		// PostObject: x-oss-content-type > Content-Type field > the file part's type; fields the
		// policy does not name are still stored (issue 18 row 1).
		{name: "x-oss-content-type wins", conds: []any{keyCond, []any{"eq", "$content-type", "image/png"}},
			fields: []field{{"key", key}, {"Content-Type", "image/png"}, {"x-oss-content-type", "text/html"}}, wantStatus: 204, wantKey: key, wantType: "text/html"},
		{name: "x-oss-content-type bound", conds: []any{keyCond, []any{"eq", "$x-oss-content-type", "image/png"}},
			fields: []field{{"key", key}, {"x-oss-content-type", "text/html"}}, wantStatus: 403, wantCode: CodeAccessDenied},
		// A condition on an absent field sees "": eq "" forbids the field, eq "true" requires it.
		{name: "absent field matches empty", conds: []any{keyCond, []any{"eq", "$success_action_redirect", ""}},
			fields: []field{{"key", key}}, wantStatus: 204, wantKey: key},
		{name: "redirect forbidden by policy", conds: []any{keyCond, []any{"eq", "$success_action_redirect", ""}},
			fields: []field{{"key", key}, {"success_action_redirect", "https://evil.example/"}}, wantStatus: 403, wantCode: CodeAccessDenied},
		// A signer without callbacks pins callback to "": a client-added callback field is refused
		// before anything is stored or called back.
		{name: "callback forbidden by policy", conds: []any{keyCond, []any{"eq", "$callback", ""}},
			fields: []field{{"key", key}, {"callback", "eyJjYWxsYmFja1VybCI6Imh0dHA6Ly8xMjcuMC4wLjE6MS94IiwiY2FsbGJhY2tCb2R5IjoiYT1iIn0="}}, wantStatus: 403, wantCode: CodeAccessDenied},
		{name: "required field absent", conds: []any{keyCond, []any{"eq", "$x-oss-forbid-overwrite", "true"}},
			fields: []field{{"key", key}}, wantStatus: 403, wantCode: CodeAccessDenied},
		// https://www.alibabacloud.com/help/en/oss/user-guide/0006-00000117 (issue 18 row 5).
		{name: "forbid-overwrite not a boolean", fields: []field{{"key", key}, {"x-oss-forbid-overwrite", "yes"}}, wantStatus: 400, wantCode: CodeInvalidArgument},
		{name: "file not last", fields: []field{{"key", key}}, fileNotLast: true, wantStatus: 400, wantCode: CodeMalformedPOSTRequest},
		{name: "no file", fields: []field{{"key", key}}, noFile: true, wantStatus: 400, wantCode: CodeIncorrectNumberOfFiles},
		{name: "expired policy", fields: []field{{"key", key}}, expires: -time.Second,
			wantStatus: 403, wantCode: CodeAccessDenied, wantMessage: "Invalid according to Policy: Policy expired."},
		{name: "policy not base64", fields: []field{{"key", key}}, policy: func(string) string { return "not*base64" },
			wantStatus: 400, wantCode: CodeInvalidPolicyDocument},
		{name: "policy without expiration", fields: []field{{"key", key}},
			policy:     func(string) string { return base64.StdEncoding.EncodeToString([]byte(`{"conditions":[]}`)) },
			wantStatus: 400, wantCode: CodeInvalidPolicyDocument},
		{name: "policy unknown operator", conds: []any{[]any{"matches", "$key", ".*"}}, fields: []field{{"key", key}},
			wantStatus: 400, wantCode: CodeInvalidPolicyDocument},
		{name: "two-property simple condition", conds: []any{map[string]string{"bucket": testBucket, "key": key}}, fields: []field{{"key", key}},
			wantStatus: 400, wantCode: CodeInvalidPolicyDocument},
		{name: "filename expanded after the check", conds: []any{[]any{"eq", "$key", `user/\${filename}`}},
			fields: []field{{"key", "user/${filename}"}}, filename: "中文 (1).png", wantStatus: 204, wantKey: "user/中文 (1).png"},
		{name: "tampered policy", fields: []field{{"key", key}},
			tamper: func(f []field) []field {
				for i := range f {
					if f[i].name == "policy" {
						f[i].value = encodePolicy(t, now.Add(48*time.Hour), nil)
					}
				}
				return f
			}, wantStatus: 403, wantCode: CodeSignatureDoesNotMatch},
		{name: "missing policy field", fields: []field{{"key", key}}, tamper: func(f []field) []field { return dropField(f, "policy") },
			wantStatus: 400, wantCode: CodeInvalidArgument},
		{name: "key with dot-dot", fields: []field{{"key", "uploads/../../escape"}}, wantStatus: 400, wantCode: CodeInvalidObjectName},
		{name: "unknown access key", fields: []field{{"key", key}}, tamper: func(f []field) []field {
			if !hasField(f, "x-oss-credential") {
				return setField(f, "OSSAccessKeyId", "LTAIunknown")
			}
			for i := range f {
				if f[i].name == "x-oss-credential" {
					_, rest, _ := strings.Cut(f[i].value, "/")
					f[i].value = "LTAIunknown/" + rest
				}
			}
			return f
		}, wantStatus: 403, wantCode: CodeInvalidAccessKeyID},
	}
	for _, mode := range postModes {
		for _, tc := range cases {
			t.Run(mode.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				env := newTestEnv(t, now)
				if tc.file == nil {
					tc.file = png
				}
				ct, body := buildPost(t, mode, tc, now, testRegion)
				status, code, raw := send(t, "POST", env.http.URL+"/"+testBucket, map[string]string{"Content-Type": ct}, body)
				if status != tc.wantStatus || code != tc.wantCode {
					t.Fatalf("got %d %s, want %d %s: %s", status, code, tc.wantStatus, tc.wantCode, raw)
				}
				if tc.wantMessage != "" && !bytes.Contains(raw, []byte(xmlEscape(tc.wantMessage))) {
					t.Errorf("message: %s", raw)
				}
				switch status {
				case 200, 204:
					if len(raw) != 0 {
						t.Errorf("body %q for %d", raw, status)
					}
				case 201:
					var pr struct {
						Bucket, Key, ETag string
					}
					if err := xml.Unmarshal(raw, &pr); err != nil || pr.Key != key || pr.Bucket != testBucket || pr.ETag == "" {
						t.Errorf("PostResponse %s (%v)", raw, err)
					}
				}
				if tc.wantKey != "" {
					meta := mustObject(t, env.srv, testBucket, tc.wantKey, tc.file)
					if tc.wantType != "" && meta.ContentType != tc.wantType {
						t.Errorf("content type %q, want %q", meta.ContentType, tc.wantType)
					}
				}
				if tc.wantCode != "" {
					if keys, _ := env.srv.ListKeys(testBucket); len(keys) != 0 {
						t.Errorf("refused upload stored %q", keys)
					}
				}
			})
		}
	}
}

func hasField(fields []field, name string) bool {
	for _, f := range fields {
		if strings.EqualFold(f.name, name) {
			return true
		}
	}
	return false
}

func xmlEscape(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

func TestPostObjectForbidOverwriteAndAuthEdges(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	env := newTestEnv(t, now)
	post := func(mode postAuthMode, tc postCase, region string) (int, string, []byte) {
		ct, body := buildPost(t, mode, tc, now, region)
		return send(t, "POST", env.http.URL+"/"+testBucket+"/", map[string]string{"Content-Type": ct}, body)
	}
	tc := postCase{fields: []field{{"key", "once.txt"}, {"x-oss-forbid-overwrite", "true"}}, file: []byte("one")}
	if status, code, raw := post(postModes[2], tc, testRegion); status != 204 {
		t.Fatalf("first: %d %s %s", status, code, raw)
	}
	tc.file = []byte("two")
	if _, code, _ := post(postModes[2], tc, testRegion); code != CodeFileAlreadyExists {
		t.Errorf("second: %q", code)
	}
	mustObject(t, env.srv, testBucket, "once.txt", []byte("one"))

	base := postCase{fields: []field{{"key", "k"}}, file: []byte("x")}
	// V4 signed for another region.
	if _, code, raw := post(postModes[2], base, "cn-beijing"); code != CodeSignatureDoesNotMatch || !bytes.Contains(raw, []byte("Invalid signing region")) {
		t.Errorf("wrong region: %s", raw)
	}
	// STS key without its token.
	noToken := base
	noToken.tamper = func(f []field) []field { return dropField(f, "x-oss-security-token") }
	for _, mode := range []postAuthMode{postModes[1], postModes[3]} {
		if _, code, _ := post(mode, noToken, testRegion); code != CodeInvalidAccessKeyID {
			t.Errorf("%s without token: %q", mode.name, code)
		}
	}
	// V4 policy that does not pin x-oss-credential.
	unpinned := base
	unpinned.policy = func(string) string {
		return encodePolicy(t, now.Add(time.Hour), []any{map[string]string{"x-oss-signature-version": "OSS4-HMAC-SHA256"}, map[string]string{"x-oss-date": now.Format("20060102T150405Z")}})
	}
	if _, code, _ := post(postModes[2], unpinned, testRegion); code != CodeAccessDenied {
		t.Errorf("unpinned V4 policy: %q", code)
	}
	// Expired STS key.
	env.clock.Set(now.Add(2 * time.Hour))
	later := postModes[1]
	if _, code, _ := post(later, postCase{fields: []field{{"key", "k"}}, file: []byte("x"), expires: 3 * time.Hour}, testRegion); code != CodeSecurityTokenExpired {
		t.Errorf("expired STS key: %q", code)
	}
	// Anonymous form.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("key", "anon")
	w, _ := mw.CreateFormFile("file", "a.txt")
	w.Write([]byte("x"))
	mw.Close()
	if _, code, _ := send(t, "POST", env.http.URL+"/"+testBucket, map[string]string{"Content-Type": mw.FormDataContentType()}, body.Bytes()); code != CodeAccessDenied {
		t.Errorf("anonymous: %q", code)
	}
	// Not multipart at all.
	if _, code, _ := send(t, "POST", env.http.URL+"/"+testBucket, map[string]string{"Content-Type": "application/json"}, []byte("{}")); code != CodeMalformedPOSTRequest {
		t.Errorf("not multipart: %q", code)
	}
	_ = http.StatusOK
}
