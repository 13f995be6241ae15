package deploy_test

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/fc-oss-upload/fc-oss-upload/scripts/deploy"
)

// stringOrList is a RAM policy field that may be a string or a list of strings.
type stringOrList []string

func (s *stringOrList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*s = []string{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*s = many
	return nil
}

type statement struct {
	Effect      string                  `json:"Effect"`
	Action      stringOrList            `json:"Action"`
	Resource    stringOrList            `json:"Resource"`
	Principal   map[string]stringOrList `json:"Principal"`
	Condition   json.RawMessage         `json:"Condition"`
	NotAction   json.RawMessage         `json:"NotAction"`
	NotResource json.RawMessage         `json:"NotResource"`
}

type policy struct {
	Version   string      `json:"Version"`
	Statement []statement `json:"Statement"`
}

const objectScope = "acs:oss:*:*:${bucketName}/${uploadDir}*"

// logScope is the logstore `logConfig: auto` gives a function: fc3 creates the project
// serverless-<region>-<uuid of the account id> and the logstore default-logs (devsapp/fc3
// src/resources/sls/index.ts generateProjectName, src/default/resources.ts). With a role set, fc3 does
// not set up FC's service-linked role for logs (src/subCommands/deploy/impl/function.ts: initSlrRole
// only when no role), so the function's own role must be allowed to write there: log:PostLogStoreLogs
// is the log permission FC's default role carries (help.aliyun.com/document_detail/181589, "Grant
// Function Compute permissions to access other Alibaba Cloud services": logging needs permission to
// write to the Logstore).
const logScope = "acs:log:${region}:*:project/serverless-${region}-*/logstore/default-logs"

// wantPolicies is the complete grant of each file: its actions and resources (or trusted principals).
var wantPolicies = map[string]struct {
	actions, resources []string
	principals         map[string][]string
}{
	// The sts function calls AssumeRole on the upload role and nothing else.
	// It also writes its logs (row 4 of issue 14).
	"sts-function-role.json": {actions: []string{"log:PostLogStoreLogs", "sts:AssumeRole"}, resources: []string{"${uploadRoleArn}", logScope}},
	// postsignature signs PostObject (= oss:PutObject) with its own role, and writes its logs; nothing
	// of multipart: it never lists or aborts an upload.
	"signer-function-role.json": {actions: []string{"log:PostLogStoreLogs", "oss:PutObject"}, resources: []string{logScope, objectScope}},
	// presignedurl signs PutObject and UploadPart (oss:PutObject) with its own role, initiates and
	// completes multipart uploads (oss:PutObject), lists their parts (resume, and the check before
	// completing) and aborts them, and writes its logs.
	"presignedurl-function-role.json": {actions: []string{"log:PostLogStoreLogs", "oss:AbortMultipartUpload", "oss:ListParts", "oss:PutObject"}, resources: []string{logScope, objectScope}},
	// The callback function asks OSS what is stored under the key a callback names (HeadObject is
	// oss:GetObject, https://help.aliyun.com/en/oss/user-guide/ram-policy-overview), and writes its
	// logs. A role of its own: the signers' role must not read, and this internet-facing function,
	// which any caller reaches, must not write.
	"callback-function-role.json": {actions: []string{"log:PostLogStoreLogs", "oss:GetObject"}, resources: []string{logScope, objectScope}},
	// The browser, with the upload role's credentials: single PUT and multipart (initiate, parts and
	// complete are oss:PutObject), listing parts to resume, aborting.
	"upload-role.json": {actions: []string{"oss:AbortMultipartUpload", "oss:ListParts", "oss:PutObject"}, resources: []string{objectScope}},
	// Only the sts function's role may assume the upload role.
	"upload-role-trust.json": {actions: []string{"sts:AssumeRole"}, principals: map[string][]string{"RAM": {"${stsFunctionRoleArn}"}}},
}

func policyDir(t testing.TB) string {
	return filepath.Join(repoRoot(t), "scripts", "deploy", "policies")
}

func TestPolicyFilesAreLeastPrivilege(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join(policyDir(t), "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	if got, want := names, sortedKeys(wantPolicies); !reflect.DeepEqual(got, want) {
		t.Errorf("policy files %v, want %v", got, want)
	}
	p, _ := readPublish(t)
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			dec := json.NewDecoder(strings.NewReader(string(b)))
			dec.DisallowUnknownFields()
			var pol policy
			if err := dec.Decode(&pol); err != nil {
				t.Fatalf("not a RAM policy document: %v", err)
			}
			if pol.Version != "1" || len(pol.Statement) == 0 {
				t.Errorf("Version %q with %d statements", pol.Version, len(pol.Statement))
			}
			var actions, resources []string
			principals := map[string][]string{}
			for _, s := range pol.Statement {
				if s.Effect != "Allow" {
					t.Errorf("Effect %q", s.Effect)
				}
				if s.NotAction != nil || s.NotResource != nil {
					t.Error("NotAction/NotResource grant everything else")
				}
				actions = append(actions, s.Action...)
				resources = append(resources, s.Resource...)
				for k, v := range s.Principal {
					principals[k] = append(principals[k], v...)
				}
			}
			for _, a := range actions {
				if strings.Contains(a, "*") {
					t.Errorf("wildcard action %q", a)
				}
			}
			for _, r := range resources {
				if r == "*" || strings.HasPrefix(r, "acs:oss:*:*:*") || r == "acs:oss:*:*:${bucketName}/*" || r == "acs:oss:*:*:${bucketName}" {
					t.Errorf("resource %q is wider than the bucket prefix", r)
				}
			}
			sort.Strings(actions)
			sort.Strings(resources)
			want := wantPolicies[name]
			if !reflect.DeepEqual(actions, want.actions) {
				t.Errorf("actions %v, want exactly %v", actions, want.actions)
			}
			if !reflect.DeepEqual(resources, want.resources) {
				t.Errorf("resources %v, want exactly %v", resources, want.resources)
			}
			if len(principals) > 0 || want.principals != nil {
				if !reflect.DeepEqual(principals, want.principals) {
					t.Errorf("principals %v, want exactly %v", principals, want.principals)
				}
			}
			// Placeholders are publish.yaml parameters, so the README can say "same values as the form".
			for _, ph := range deploy.Placeholders(b) {
				if _, ok := p.Parameters.Properties[ph]; !ok {
					t.Errorf("placeholder ${%s} is not a publish.yaml parameter", ph)
				}
			}
			// Rendered with real values, the document is valid JSON scoped to the prefix.
			values := map[string][]string{}
			for _, ph := range deploy.Placeholders(b) {
				values[ph] = []string{testParams[ph]}
			}
			out, err := deploy.Render(name, b, values)
			if err != nil {
				t.Fatal(err)
			}
			var rendered policy
			if err := json.Unmarshal(out, &rendered); err != nil {
				t.Fatal(err)
			}
			// The logstore fc3 creates for this account and region is covered, another region's is not.
			autoLogstore := "acs:log:cn-shanghai:1234567890123456:project/serverless-cn-shanghai-6f1ed002-ab55-5a1b-8b51-30f29b0f4b61/logstore/default-logs"
			otherRegion := strings.ReplaceAll(autoLogstore, "cn-shanghai", "cn-hangzhou")
			for _, s := range rendered.Statement {
				for _, r := range s.Resource {
					if strings.HasPrefix(r, "acs:oss:") && r != "acs:oss:*:*:my-upload-bucket/user/uploads/*" {
						t.Errorf("rendered resource %q", r)
					}
					if strings.HasPrefix(r, "acs:log:") {
						if ok, _ := path.Match(r, autoLogstore); !ok {
							t.Errorf("rendered log resource %q does not cover fc3's auto logstore %s", r, autoLogstore)
						}
						if ok, _ := path.Match(r, otherRegion); ok {
							t.Errorf("rendered log resource %q covers another region's logstore", r)
						}
					}
				}
			}
		})
	}
}

type corsConfig struct {
	XMLName xml.Name `xml:"CORSConfiguration"`
	Rules   []struct {
		AllowedOrigin []string `xml:"AllowedOrigin"`
		AllowedMethod []string `xml:"AllowedMethod"`
		AllowedHeader []string `xml:"AllowedHeader"`
		ExposeHeader  []string `xml:"ExposeHeader"`
		MaxAgeSeconds int      `xml:"MaxAgeSeconds"`
	} `xml:"CORSRule"`
	ResponseVary string `xml:"ResponseVary"`
}

func TestBucketCORS(t *testing.T) {
	t.Parallel()
	path := filepath.Join(repoRoot(t), "scripts", "deploy", "bucket-cors.xml")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var c corsConfig
	if err := xml.Unmarshal(b, &c); err != nil {
		t.Fatalf("bucket-cors.xml: %v", err)
	}
	if len(c.Rules) != 1 {
		t.Fatalf("%d CORS rules, want 1", len(c.Rules))
	}
	r := c.Rules[0]
	if !reflect.DeepEqual(r.AllowedOrigin, []string{"${allowedOrigin}"}) {
		t.Errorf("AllowedOrigin %v: want the placeholder only (never *)", r.AllowedOrigin)
	}
	methods := append([]string(nil), r.AllowedMethod...)
	sort.Strings(methods)
	// PUT: presigned URL, STS single upload and parts; POST: form upload, multipart initiate/complete;
	// GET: ListParts; DELETE: AbortMultipartUpload. No HEAD: nothing reads objects.
	if want := []string{"DELETE", "GET", "POST", "PUT"}; !reflect.DeepEqual(methods, want) {
		t.Errorf("AllowedMethod %v, want %v", methods, want)
	}
	hasETag := false
	for _, h := range r.ExposeHeader {
		hasETag = hasETag || h == "ETag"
	}
	if !hasETag {
		t.Error("ETag is not exposed: multipart uploads from the browser need it")
	}
	if r.MaxAgeSeconds <= 0 {
		t.Error("MaxAgeSeconds missing")
	}

	out, err := deploy.Render("bucket-cors.xml", b, map[string][]string{
		"allowedOrigin": {"http://upl-test-sts.fcv3.1234567890123456.cn-shanghai.fc.devsapp.net", "https://app.example.com"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var rendered corsConfig
	if err := xml.Unmarshal(out, &rendered); err != nil {
		t.Fatal(err)
	}
	if got := rendered.Rules[0].AllowedOrigin; len(got) != 2 || got[1] != "https://app.example.com" {
		t.Errorf("rendered AllowedOrigin %v", got)
	}
}
