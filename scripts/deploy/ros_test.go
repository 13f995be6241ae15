package deploy_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/fc-oss-upload/fc-oss-upload/scripts/deploy"
	"github.com/fc-oss-upload/fc-oss-upload/scripts/devstack"
)

// rosEval evaluates the intrinsic functions the roles template uses (Ref, Fn::Sub, Fn::GetAtt Arn of a
// role) over params, the way ROS would with the account id given.
type rosEval struct {
	params    map[string]string
	account   string
	resources map[string]any
}

var subRE = regexp.MustCompile(`\$\{([A-Za-z0-9:]+)\}`)

func (e rosEval) eval(t *testing.T, v any) any {
	t.Helper()
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 1 {
			for k, arg := range x {
				switch k {
				case "Ref":
					return e.param(t, arg.(string))
				case "Fn::Sub":
					return subRE.ReplaceAllStringFunc(arg.(string), func(m string) string {
						return e.param(t, m[2:len(m)-1])
					})
				case "Fn::GetAtt":
					args := arg.([]any)
					if args[1] != "Arn" {
						t.Fatalf("Fn::GetAtt %v: only Arn is known", args)
					}
					res, ok := e.resources[args[0].(string)].(map[string]any)
					if !ok {
						t.Fatalf("Fn::GetAtt of unknown resource %v", args[0])
					}
					name := e.eval(t, res["Properties"].(map[string]any)["RoleName"])
					return fmt.Sprintf("acs:ram::%s:role/%s", e.account, name)
				}
			}
		}
		out := map[string]any{}
		for k, c := range x {
			out[k] = e.eval(t, c)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, c := range x {
			out[i] = e.eval(t, c)
		}
		return out
	default:
		return v
	}
}

func (e rosEval) param(t *testing.T, name string) string {
	t.Helper()
	if name == "ALIYUN::AccountId" {
		return e.account
	}
	v, ok := e.params[name]
	if !ok {
		t.Fatalf("template refers to unknown parameter %s", name)
	}
	return v
}

// canonicalPolicy turns a policy document (Action/Resource/Principal values as a string or a list) into
// a comparable form: statements with sorted lists.
func canonicalPolicy(t *testing.T, doc any) []string {
	t.Helper()
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		Version   string `json:"Version"`
		Statement []struct {
			Effect    string                  `json:"Effect"`
			Action    stringOrList            `json:"Action"`
			Resource  stringOrList            `json:"Resource"`
			Principal map[string]stringOrList `json:"Principal"`
		} `json:"Statement"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatalf("not a policy document: %v: %s", err, b)
	}
	var out []string
	for _, s := range p.Statement {
		a, r := append([]string(nil), s.Action...), append([]string(nil), s.Resource...)
		sort.Strings(a)
		sort.Strings(r)
		var pr []string
		for k, v := range s.Principal {
			for _, x := range v {
				pr = append(pr, k+"="+x)
			}
		}
		sort.Strings(pr)
		out = append(out, fmt.Sprintf("v%s %s %v %v %v", p.Version, s.Effect, a, r, pr))
	}
	sort.Strings(out)
	return out
}

// TestROSRolesTemplate: the ROS template creates the four roles with exactly the documents of
// scripts/deploy/policies (rendered for the same bucket, prefix, region and account), the function
// roles trusting FC only, and outputs the four ARNs under the form's parameter names.
func TestROSRolesTemplate(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	b, err := os.ReadFile(filepath.Join(root, "scripts", "deploy", "roles.ros.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var tmpl struct {
		Version    string                    `yaml:"ROSTemplateFormatVersion"`
		Parameters map[string]map[string]any `yaml:"Parameters"`
		Resources  map[string]any            `yaml:"Resources"`
		Outputs    map[string]map[string]any `yaml:"Outputs"`
	}
	if err := yaml.Unmarshal(b, &tmpl); err != nil {
		t.Fatalf("roles.ros.yaml: %v", err)
	}
	if tmpl.Version != "2015-09-01" {
		t.Errorf("ROSTemplateFormatVersion %q", tmpl.Version)
	}
	const account, prefix = "1234567890123456", "fc-oss-upload"
	params := map[string]string{
		"BucketName": testParams["bucketName"], "UploadDir": testParams["uploadDir"],
		"FunctionRegion": testParams["region"], "RoleNamePrefix": prefix, "MaxSessionDuration": "3600",
	}
	for name, p := range tmpl.Parameters {
		if _, ok := params[name]; !ok {
			t.Errorf("parameter %s has no test value", name)
		}
		if pat, ok := p["AllowedPattern"].(string); ok && !regexp.MustCompile(pat).MatchString(params[name]) {
			t.Errorf("parameter %s: test value %q does not match %s", name, params[name], pat)
		}
		if def, ok := p["Default"].(string); ok {
			if pat, ok := p["AllowedPattern"].(string); ok && !regexp.MustCompile(pat).MatchString(def) {
				t.Errorf("parameter %s: default %q does not match %s", name, def, pat)
			}
		}
	}
	e := rosEval{params: params, account: account, resources: tmpl.Resources}
	arn := func(role string) string { return fmt.Sprintf("acs:ram::%s:role/%s-%s", account, prefix, role) }
	values := map[string]string{
		"bucketName": testParams["bucketName"], "uploadDir": testParams["uploadDir"], "region": testParams["region"],
		"uploadRoleArn": arn("browser"), "stsFunctionRoleArn": arn("sts"),
	}
	policyFile := func(name string) any {
		text, err := os.ReadFile(filepath.Join(policyDir(t), name))
		if err != nil {
			t.Fatal(err)
		}
		vals := map[string][]string{}
		for _, ph := range deploy.Placeholders(text) {
			vals[ph] = []string{values[ph]}
		}
		out, err := deploy.Render(name, text, vals)
		if err != nil {
			t.Fatal(err)
		}
		var doc any
		json.Unmarshal(out, &doc)
		return doc
	}
	fcTrust := map[string]any{"Version": "1", "Statement": []any{map[string]any{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": map[string]any{"Service": []any{"fc.aliyuncs.com"}}}}}
	want := map[string]struct {
		name          string
		trust, policy any
		file          string
	}{
		"StsFunctionRole":          {prefix + "-sts", fcTrust, policyFile("sts-function-role.json"), "sts-function-role.json"},
		"SignerFunctionRole":       {prefix + "-signer", fcTrust, policyFile("signer-function-role.json"), "signer-function-role.json"},
		"PresignedurlFunctionRole": {prefix + "-presignedurl", fcTrust, policyFile("presignedurl-function-role.json"), "presignedurl-function-role.json"},
		"CallbackFunctionRole":     {prefix + "-callback", fcTrust, policyFile("callback-function-role.json"), "callback-function-role.json"},
		"UploadRole":               {prefix + "-browser", policyFile("upload-role-trust.json"), policyFile("upload-role.json"), "upload-role.json"},
	}
	if len(tmpl.Resources) != len(want) {
		t.Errorf("%d resources, want %d", len(tmpl.Resources), len(want))
	}
	for id, w := range want {
		r, ok := tmpl.Resources[id].(map[string]any)
		if !ok || r["Type"] != "ALIYUN::RAM::Role" {
			t.Errorf("resource %s: %v, want an ALIYUN::RAM::Role", id, r["Type"])
			continue
		}
		props := e.eval(t, r["Properties"]).(map[string]any)
		if props["RoleName"] != w.name {
			t.Errorf("%s: RoleName %v, want %s", id, props["RoleName"], w.name)
		}
		if got, exp := canonicalPolicy(t, props["AssumeRolePolicyDocument"]), canonicalPolicy(t, w.trust); !reflect.DeepEqual(got, exp) {
			t.Errorf("%s: trust %v, want %v", id, got, exp)
		}
		pols, _ := props["Policies"].([]any)
		if len(pols) != 1 {
			t.Fatalf("%s: %d policies, want 1", id, len(pols))
		}
		pol := pols[0].(map[string]any)
		if pol["PolicyName"] != w.name {
			t.Errorf("%s: PolicyName %v, want %s", id, pol["PolicyName"], w.name)
		}
		if got, exp := canonicalPolicy(t, pol["PolicyDocument"]), canonicalPolicy(t, w.policy); !reflect.DeepEqual(got, exp) {
			t.Errorf("%s: policy\n %v\nwant (scripts/deploy/policies)\n %v", id, got, exp)
		}
	}
	// Outputs are named after the form's parameters, which the publish test knows.
	p, _ := readPublish(t)
	for _, name := range roleParams {
		out, ok := tmpl.Outputs[name]
		if !ok {
			t.Errorf("no output %s", name)
			continue
		}
		v := e.eval(t, out["Value"]).(string)
		pat, _ := p.Parameters.Properties[name]["pattern"].(string)
		if !regexp.MustCompile(pat).MatchString(v) || !strings.HasPrefix(v, "acs:ram::"+account+":role/"+prefix+"-") {
			t.Errorf("output %s = %q is not a role ARN the form accepts (%s)", name, v, pat)
		}
	}
	// Least privilege per function: following each function's form parameter to the role the
	// template outputs for it, only presignedurl's role may list parts or abort multipart uploads
	// (postsignature signs forms only; it must not get presignedurl's multipart actions).
	policyOf, fileOf := map[string]any{}, map[string]string{}
	for _, w := range want {
		policyOf[w.name], fileOf[w.name] = w.policy, w.file
	}
	for fn, param := range roleParam {
		arn, _ := e.eval(t, tmpl.Outputs[param]["Value"]).(string)
		pol, ok := policyOf[arn[strings.LastIndex(arn, "/")+1:]]
		if !ok {
			t.Errorf("%s: output %s = %q names no role of the template", fn, param, arn)
			continue
		}
		// The local stack binds each function's key to the same file (devstack.RolePolicyFiles).
		if f := fileOf[arn[strings.LastIndex(arn, "/")+1:]]; devstack.RolePolicyFiles[fn] != f {
			t.Errorf("%s: the local stack uses %q, the deployment %s", fn, devstack.RolePolicyFiles[fn], f)
		}
		grants := strings.Join(canonicalPolicy(t, pol), " ")
		multipart := strings.Contains(grants, "oss:ListParts") || strings.Contains(grants, "oss:AbortMultipartUpload")
		if multipart != (fn == "presignedurl") {
			t.Errorf("%s's role (%s) grants %s; only presignedurl's may list parts and abort uploads", fn, param, grants)
		}
	}
}
