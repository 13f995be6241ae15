package deploy_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"

	"github.com/fc-oss-upload/fc-oss-upload/scripts/build/fcbuild"
	"github.com/fc-oss-upload/fc-oss-upload/shared/config"
)

// settings is every environment setting the handlers read.
var settings = config.Settings

// functions are the fc3 resources of s.yaml (resource name = directory under functions/), sorted.
var functions = func() []string {
	fs := slices.Clone(config.Functions)
	sort.Strings(fs)
	return fs
}()

// testParams gives every publish.yaml parameter a value that differs from its default, so a value that
// does not reach its destination is noticed.
var testParams = map[string]string{
	"region":                      "cn-shanghai",
	"functionNamePrefix":          "upl-test",
	"bucketName":                  "my-upload-bucket",
	"uploadDir":                   "user/uploads/",
	"stsFunctionRoleArn":          "acs:ram::1234567890123456:role/fc-oss-upload-sts",
	"signerFunctionRoleArn":       "acs:ram::1234567890123456:role/fc-oss-upload-signer",
	"presignedurlFunctionRoleArn": "acs:ram::1234567890123456:role/fc-oss-upload-presignedurl",
	"callbackFunctionRoleArn":     "acs:ram::1234567890123456:role/fc-oss-upload-callback",
	"uploadRoleArn":               "acs:ram::1234567890123456:role/fc-oss-upload-browser",
	"maxSizeBytes":                "5242880",
	"allowedContentTypes":         "image/png,image/jpeg",
	"signatureExpiresSeconds":     "300",
	"stsDurationSeconds":          "900",
	"forbidOverwrite":             "true",
	"allowedOrigins":              "https://app.example.com,http://localhost:8080",
	"runtime":                     "custom.debian12",
}

// paramOfEnv says which publish.yaml parameter feeds an environment variable. A variable not listed is
// fixed in s.yaml and must be empty (config.Load then applies the default) or equal its documented default.
var paramOfEnv = map[string]string{
	"OSS_BUCKET":                    "bucketName",
	"OSS_REGION":                    "region",
	"OSS_UPLOAD_DIR":                "uploadDir",
	"OSS_STS_ROLE_ARN":              "uploadRoleArn",
	"OSS_STS_FUNCTION_ROLE_ARN":     "stsFunctionRoleArn",
	"OSS_STS_DURATION_SECONDS":      "stsDurationSeconds",
	"OSS_MAX_SIZE_BYTES":            "maxSizeBytes",
	"OSS_ALLOWED_CONTENT_TYPES":     "allowedContentTypes",
	"OSS_SIGNATURE_EXPIRES_SECONDS": "signatureExpiresSeconds",
	"OSS_FORBID_OVERWRITE":          "forbidOverwrite",
	"CORS_ALLOWED_ORIGINS":          "allowedOrigins",
}

// roleParams are the form's role parameters: one per function role, and the upload role.
var roleParams = []string{"stsFunctionRoleArn", "signerFunctionRoleArn", "presignedurlFunctionRoleArn", "callbackFunctionRoleArn", "uploadRoleArn"}

// roleParam is the parameter holding the role attached to each function: each its own, so that
// postsignature's role lacks presignedurl's multipart actions (ListParts, AbortMultipartUpload).
var roleParam = map[string]string{
	"sts":           "stsFunctionRoleArn",
	"postsignature": "signerFunctionRoleArn",
	"presignedurl":  "presignedurlFunctionRoleArn",
	"callback":      "callbackFunctionRoleArn", // HeadObject on the uploads it is told of
}

// domainRoutes is the routing of the one origin: path -> function (resource name).
var domainRoutes = map[string]string{
	"/sts/*":                             "sts",
	"/get_sts_token_for_oss_upload":      "sts",
	"/postsignature/*":                   "postsignature",
	"/get_post_signature_for_oss_upload": "postsignature",
	"/presignedurl/*":                    "presignedurl",
	"/get_presigned_url_for_oss_upload":  "presignedurl",
	"/oss_upload_callback":               "callback",
	"/s3/*":                              "presignedurl", // Uppy Companion's S3 routes
}

// settingsFor returns the settings function fn reads.
func settingsFor(fn string) map[string]config.Setting {
	m := map[string]config.Setting{}
	for _, s := range settings {
		if s.AppliesTo(fn) {
			m[s.Name] = s
		}
	}
	return m
}

// ---- schemas

var (
	schemaMu    sync.Mutex
	schemaCache = map[string]*jsonschema.Schema{}
)

// schemaAt compiles the JSON Schema in file (at pointer, "" for the root).
func schemaAt(t testing.TB, file, pointer string) *jsonschema.Schema {
	t.Helper()
	schemaMu.Lock()
	defer schemaMu.Unlock()
	key := file + "#" + pointer
	if s, ok := schemaCache[key]; ok {
		return s
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatalf("schema: %v", err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("schema %s: %v", file, err)
	}
	c := jsonschema.NewCompiler()
	url := "file://" + filepath.ToSlash(file)
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(url + "#" + pointer)
	if err != nil {
		t.Fatalf("compile %s: %v", key, err)
	}
	schemaCache[key] = s
	return s
}

func fc3Schema(t testing.TB) string {
	return filepath.Join(repoRoot(t), "scripts", "deploy", "testdata", "fc3", "schema.json")
}

func domainSchema(t testing.TB) string {
	return filepath.Join(repoRoot(t), "scripts", "deploy", "testdata", "fc3-domain", "schema.json")
}

// validate validates v (any JSON-compatible value) against s, going through JSON so that numbers have
// the representation the library expects.
func validate(t testing.TB, s *jsonschema.Schema, v any) error {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return s.Validate(inst)
}

// ---- publish.yaml

type publishFile struct {
	Edition      string   `yaml:"Edition"`
	Type         string   `yaml:"Type"`
	Name         string   `yaml:"Name"`
	Version      string   `yaml:"Version"`
	Provider     []string `yaml:"Provider"`
	Description  string   `yaml:"Description"`
	HomePage     string   `yaml:"HomePage"`
	Tags         []string `yaml:"Tags"`
	Category     string   `yaml:"Category"`
	Organization string   `yaml:"Organization"`
	Effective    string   `yaml:"Effective"`
	Service      map[string]struct {
		Authorities []string `yaml:"Authorities"`
	} `yaml:"Service"`
	Parameters struct {
		Type                 string                    `yaml:"type"`
		AdditionalProperties *bool                     `yaml:"additionalProperties"`
		Required             []string                  `yaml:"required"`
		Properties           map[string]map[string]any `yaml:"properties"`
	} `yaml:"Parameters"`
}

func readPublish(t testing.TB) (publishFile, string) {
	t.Helper()
	path := filepath.Join(repoRoot(t), "publish.yaml")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var p publishFile
	if err := yaml.Unmarshal(b, &p); err != nil {
		t.Fatalf("publish.yaml: %v", err)
	}
	// The Parameters block is a JSON Schema: write it out as a file for the validator.
	var raw map[string]any
	yaml.Unmarshal(b, &raw)
	js, err := json.Marshal(raw["Parameters"])
	if err != nil {
		t.Fatal(err)
	}
	schemaFile := filepath.Join(t.TempDir(), "parameters.schema.json")
	os.WriteFile(schemaFile, js, 0o644)
	return p, schemaFile
}

// placeholderRE is an art-template output placeholder, {{ name }}.
var placeholderRE = regexp.MustCompile(`\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}`)

func TestPublishYAML(t *testing.T) {
	t.Parallel()
	p, paramsSchema := readPublish(t)

	// Registry metadata (Serverless-Devs docs/zh/development-manual/readme.md).
	if p.Edition != "3.0.0" || p.Type != "Project" {
		t.Errorf("Edition/Type = %q/%q, want 3.0.0/Project", p.Edition, p.Type)
	}
	if !regexp.MustCompile(`^[a-z][a-z0-9-]*$`).MatchString(p.Name) {
		t.Errorf("Name %q", p.Name)
	}
	if !regexp.MustCompile(`^\d+\.\d+\.\d+$`).MatchString(p.Version) {
		t.Errorf("Version %q is not x.y.z", p.Version)
	}
	for field, v := range map[string]string{"Description": p.Description, "HomePage": p.HomePage, "Organization": p.Organization} {
		if strings.TrimSpace(v) == "" {
			t.Errorf("%s is empty", field)
		}
	}
	if len(p.Provider) == 0 || len(p.Tags) == 0 {
		t.Error("Provider and Tags must not be empty")
	}
	categories := []string{"基础云服务", "Web框架", "全栈应用", "人工智能", "音视频处理", "图文处理", "监控告警", "大数据", "IoT", "新手入门", "其它", "开源项目"}
	if !slices.Contains(categories, p.Category) {
		t.Errorf("Category %q not one of %v", p.Category, categories)
	}
	if !slices.Contains([]string{"Public", "Private", "Organization"}, p.Effective) {
		t.Errorf("Effective %q", p.Effective)
	}
	if fc, ok := p.Service["函数计算"]; !ok || !slices.Contains(fc.Authorities, "AliyunFCFullAccess") {
		t.Error("Service 函数计算 must list AliyunFCFullAccess")
	}
	// Only the documented values (Serverless-Devs docs/zh/development-manual/readme.md, sections
	// Provider and Service); the publisher is this project, not an Alibaba team.
	providers := []string{"阿里云", "百度智能云", "华为云", "腾讯云", "AWS", "Azure", "Google Cloud", "其它"}
	for _, pr := range p.Provider {
		if !slices.Contains(providers, pr) {
			t.Errorf("Provider %q not one of %v", pr, providers)
		}
	}
	services := []string{"函数计算", "容器服务", "镜像服务", "消息队列", "工作流", "CDN", "对象存储", "表格存储", "MNS", "日志服务", "API网关", "数据库", "解析服务", "云应用", "其它"}
	for k, v := range p.Service {
		if !slices.Contains(services, k) {
			t.Errorf("Service key %q not one of %v", k, services)
		}
		if len(v.Authorities) == 0 {
			t.Errorf("Service %s lists no Authorities", k)
		}
	}
	for _, alibaba := range []string{"阿里云", "aliyun", "alibaba", "函数计算"} {
		if strings.Contains(strings.ToLower(p.Organization), alibaba) {
			t.Errorf("Organization %q names Alibaba's own organisation; a third party publishes under its own", p.Organization)
		}
	}

	// Parameters: a closed object schema whose properties are exactly the s.yaml placeholders.
	params := p.Parameters
	if params.Type != "object" || params.AdditionalProperties == nil || *params.AdditionalProperties {
		t.Error("Parameters must be type: object with additionalProperties: false")
	}
	sy, err := os.ReadFile(filepath.Join(repoRoot(t), "s.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for _, m := range placeholderRE.FindAllStringSubmatch(string(sy), -1) {
		used[m[1]] = true
	}
	delete(used, "access") // filled by s init / the console with the credential alias, not a parameter
	delete(used, "else")   // art-template's {{else}} (the runtime blocks)
	// A parameter may also be read only by art-template conditions (the runtime blocks).
	for _, m := range regexp.MustCompile(`\{\{if ([A-Za-z_][A-Za-z0-9_]*)`).FindAllStringSubmatch(string(sy), -1) {
		used[m[1]] = true
	}
	for name := range used {
		if _, ok := params.Properties[name]; !ok {
			t.Errorf("s.yaml uses {{ %s }} but publish.yaml declares no such parameter", name)
		}
	}
	for name := range params.Properties {
		if !used[name] {
			t.Errorf("publish.yaml parameter %s is not used by s.yaml", name)
		}
	}
	for _, r := range params.Required {
		if _, ok := params.Properties[r]; !ok {
			t.Errorf("required parameter %s is not declared", r)
		}
	}
	if got, want := sortedKeys(testParams), sortedKeys(params.Properties); !reflect.DeepEqual(got, want) {
		t.Errorf("testParams covers %v, publish.yaml declares %v: give every parameter a test value", got, want)
	}

	for name, prop := range params.Properties {
		for _, k := range []string{"title", "type", "description"} {
			if s, _ := prop[k].(string); strings.TrimSpace(s) == "" {
				t.Errorf("parameter %s: %s missing", name, k)
			}
		}
		// `s init` drops non-string defaults (its getDefaultValue only handles strings) and they render
		// as "undefined": every parameter is a string.
		if prop["type"] != "string" {
			t.Errorf("parameter %s: type %v; use string (with pattern/enum) so that its default renders", name, prop["type"])
		}
		def, isString := prop["default"].(string)
		if !isString {
			t.Errorf("parameter %s: default %#v is not a string", name, prop["default"])
			continue
		}
		def = strings.ReplaceAll(def, "${default-suffix}", "ab12")
		if def != "" || !slices.Contains(params.Required, name) {
			if err := validate(t, schemaAt(t, paramsSchema, "/properties/"+name), def); err != nil {
				t.Errorf("parameter %s: default %q is invalid: %v", name, def, err)
			}
		}
		if x, ok := prop["x-role"].(map[string]any); ok {
			if x["name"] == nil || x["service"] == nil || x["authorities"] == nil {
				t.Errorf("parameter %s: x-role needs name, service and authorities", name)
			}
			if prop["pattern"] != `^acs:ram::[0-9]+:role/.+$` {
				t.Errorf("parameter %s: x-role parameter without the role ARN pattern", name)
			}
		}
		if x, ok := prop["x-bucket"].(map[string]any); ok {
			if !reflect.DeepEqual(x["dependency"], []any{"region"}) {
				t.Errorf("parameter %s: x-bucket must depend on region", name)
			}
		}
	}
	// Row 2 of issue 14: the form offers no role creation. x-role makes a role that trusts a service
	// and carries system policies only (Serverless-Devs docs/zh/development-manual/parameters.md): the
	// upload role made that way cannot be assumed by the sts function (NoPermission), and the function
	// roles would get AliyunOSSFullAccess / AliyunSTSAssumeRoleAccess instead of the scoped policies of
	// scripts/deploy/policies. The roles are the one manual step; the form takes their ARNs.
	for _, name := range roleParams {
		prop := params.Properties[name]
		if _, ok := prop["x-role"]; ok {
			t.Errorf("parameter %s offers x-role, which creates a role with system policies and a service trust", name)
		}
		if prop["pattern"] != `^acs:ram::[0-9]+:role/.+$` {
			t.Errorf("parameter %s: pattern %v, want the role ARN pattern", name, prop["pattern"])
		}
		if !slices.Contains(params.Required, name) {
			t.Errorf("parameter %s is not required", name)
		}
	}
	if _, ok := params.Properties["bucketName"]["x-bucket"]; !ok {
		t.Error("parameter bucketName has no x-bucket picker")
	}

	checkNamePrefix(t, paramsSchema)

	// The texts name what is deployed: every function.
	count := []string{"no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}
	if n := len(functions); n >= len(count) || !strings.Contains(p.Description, count[n]+" Go functions") {
		t.Errorf("Description does not say the app deploys %d Go functions: %q", n, p.Description)
	}
	prefixDesc, _ := params.Properties["functionNamePrefix"]["description"].(string)
	for _, fn := range functions {
		if !strings.Contains(prefixDesc, "<prefix>-"+fn) {
			t.Errorf("functionNamePrefix description does not name the function <prefix>-%s: %q", fn, prefixDesc)
		}
	}

	// The test values are valid answers to the form.
	vals := map[string]any{}
	for k, v := range testParams {
		vals[k] = v
	}
	if err := validate(t, schemaAt(t, paramsSchema, ""), vals); err != nil {
		t.Errorf("testParams do not satisfy publish.yaml Parameters: %v", err)
	}

	// Every region offered is one that both components accept.
	regions, _ := params.Properties["region"]["enum"].([]any)
	if len(regions) == 0 {
		t.Error("region has no enum")
	}
	fc3Region := schemaAt(t, fc3Schema(t), "/definitions/IRegion")
	domainRegion := schemaAt(t, domainSchema(t), "/definitions/IRegion")
	for _, r := range regions {
		if err := validate(t, fc3Region, r); err != nil {
			t.Errorf("region %v is not an fc3 region", r)
		}
		if err := validate(t, domainRegion, r); err != nil {
			t.Errorf("region %v is not an fc3-domain region", r)
		}
	}

	// Numeric parameters accept exactly the range config.Load accepts (at least 1 where it allows 0).
	for _, r := range []struct {
		param    string
		min, max int64
	}{
		{"stsDurationSeconds", int64(config.MinSTSDuration / time.Second), int64(config.MaxSTSDuration / time.Second)},
		{"signatureExpiresSeconds", 1, int64(config.MaxSignatureTTL / time.Second)},
		{"maxSizeBytes", 1, config.MaxObjectSize},
	} {
		sch := schemaAt(t, paramsSchema, "/properties/"+r.param)
		for _, tc := range []struct {
			v  string
			ok bool
		}{
			{strconv.FormatInt(r.min, 10), true}, {strconv.FormatInt(r.max, 10), true},
			{strconv.FormatInt(r.min-1, 10), false}, {strconv.FormatInt(r.max+1, 10), false},
			{strconv.FormatInt(r.max*10, 10), false}, {"0" + strconv.FormatInt(r.min, 10), false}, {"-1", false}, {"1e3", false},
		} {
			if err := validate(t, sch, tc.v); (err == nil) != tc.ok {
				t.Errorf("%s = %s: valid=%v, want %v (config accepts %d..%d)", r.param, tc.v, err == nil, tc.ok, r.min, r.max)
			}
		}
		for v := r.min; v <= r.max; v += (r.max-r.min)/997 + 1 { // a sweep through the range
			if err := validate(t, sch, strconv.FormatInt(v, 10)); err != nil {
				t.Errorf("%s = %d rejected, config accepts it", r.param, v)
				break
			}
		}
	}

	// A parameter that feeds a setting defaults to the setting's documented default.
	all := map[string]config.Setting{}
	for _, s := range settings {
		all[s.Name] = s
	}
	for env, param := range paramOfEnv {
		s, ok := all[env]
		if !ok {
			t.Errorf("paramOfEnv names %s, which is not a setting", env)
			continue
		}
		if def, _ := params.Properties[param]["default"].(string); !s.Required && def != s.Default {
			t.Errorf("parameter %s defaults to %q but %s defaults to %q", param, def, env, s.Default)
		}
	}
}

// autoDomainLabel is the first label of the test domain fc3-domain generates for `domainName: auto`:
// the first route's function name, lower-cased with _ replaced by - (devsapp/fc3-domain
// src/impl/custom_domain.ts getAutoDomainName).
func autoDomainLabel(functionName string) string {
	return strings.ToLower(strings.ReplaceAll(functionName, "_", "-"))
}

var dnsLabelRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// checkNamePrefix: the longest prefix the form accepts still gives every function a valid FC 3.0 name
// (1-64 characters) and, whichever function the domain's first route names, a valid DNS label (at most
// 63 characters) for the auto domain. The longest accepted prefix is found by probing the schema.
func checkNamePrefix(t *testing.T, paramsSchema string) {
	t.Helper()
	sch := schemaAt(t, paramsSchema, "/properties/functionNamePrefix")
	longest := 0
	for n := 1; n <= 200; n++ {
		if validate(t, sch, "a"+strings.Repeat("b", n-1)) == nil {
			longest = n
		}
	}
	if longest == 0 {
		t.Fatal("functionNamePrefix accepts no prefix")
	}
	for _, bad := range []string{"1abc", "-abc", "_abc", "a.b", "a b", ""} {
		if validate(t, sch, bad) == nil {
			t.Errorf("functionNamePrefix accepts %q", bad)
		}
	}
	for _, prefix := range []string{"A" + strings.Repeat("_", longest-1), "a" + strings.Repeat("Z", longest-1)} {
		if validate(t, sch, prefix) != nil {
			continue
		}
		for _, fn := range functions {
			name := prefix + "-" + fn
			if len(name) > 64 || !fcNameRE.MatchString(name) {
				t.Errorf("prefix %q gives function name %q (%d characters): FC allows 1-64", prefix, name, len(name))
			}
			if label := autoDomainLabel(name); !dnsLabelRE.MatchString(label) {
				t.Errorf("prefix %q gives the auto domain label %q (%d characters): not a DNS label (at most 63)", prefix, label, len(label))
			}
		}
	}
	t.Logf("longest function name prefix: %d characters", longest)
}

// ---- s.yaml, statically

func readSYAML(t testing.TB) *yaml.Node {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "s.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("s.yaml: %v", err)
	}
	return doc.Content[0]
}

// mapValue returns the value node of key in mapping node m.
func mapValue(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// walkScalars calls f with the path and value of every scalar (keys included) under n.
func walkScalars(n *yaml.Node, path string, f func(path, value string)) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			f(path+"/"+k+" (key)", k)
			walkScalars(n.Content[i+1], path+"/"+k, f)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			walkScalars(c, fmt.Sprintf("%s[%d]", path, i), f)
		}
	case yaml.ScalarNode:
		f(path, n.Value)
	case yaml.AliasNode:
		walkScalars(n.Alias, path, f)
	}
}

var varRefRE = regexp.MustCompile(`\$\{vars\.([A-Za-z0-9_-]+)\}`)

// varParams maps each s.yaml var that is a placeholder to its parameter.
func varParams(t testing.TB) map[string]string {
	vars := mapValue(readSYAML(t), "vars")
	out := map[string]string{}
	for i := 0; i+1 < len(vars.Content); i += 2 {
		if m := placeholderRE.FindStringSubmatch(vars.Content[i+1].Value); m != nil {
			out[vars.Content[i].Value] = m[1]
		}
	}
	return out
}

func TestSYAMLStatic(t *testing.T) {
	t.Parallel()
	root := readSYAML(t)
	if v := mapValue(root, "edition"); v == nil || v.Value != "3.0.0" {
		t.Error("edition must be 3.0.0")
	}
	if v := mapValue(root, "access"); v == nil || v.Value != "{{ access }}" {
		t.Error(`access must be "{{ access }}" (filled by the console / s init)`)
	}
	vars := mapValue(root, "vars")
	if vars == nil || vars.Kind != yaml.MappingNode {
		t.Fatal("s.yaml has no vars mapping")
	}
	declared := map[string]bool{}
	for i := 0; i+1 < len(vars.Content); i += 2 {
		k, v := vars.Content[i].Value, vars.Content[i+1]
		declared[k] = true
		// A CLI user overrides vars one by one (extend): a placeholder must be a whole var value.
		if strings.Contains(v.Value, "{{") && !regexp.MustCompile(`^\{\{ [A-Za-z_][A-Za-z0-9_]* \}\}$`).MatchString(v.Value) {
			t.Errorf("vars.%s = %q: a placeholder must be the whole value, written {{ name }}", k, v.Value)
		}
	}
	used := map[string]bool{}
	walkScalars(root, "", func(path, value string) {
		if strings.Contains(value, "{{") && !strings.HasPrefix(path, "/vars/") && path != "/access" {
			t.Errorf("%s = %q: placeholders belong under vars only", path, value)
		}
		for _, m := range varRefRE.FindAllStringSubmatch(value, -1) {
			used[m[1]] = true
			if !declared[m[1]] {
				t.Errorf("%s uses ${vars.%s}, which is not declared", path, m[1])
			}
		}
		if strings.Contains(value, "${") {
			rest := varRefRE.ReplaceAllString(value, "")
			rest = regexp.MustCompile(`\$\{resources\.[a-z]+\.props\.functionName\}|\$\{regex\('[a-z|]+'\)\}`).ReplaceAllString(rest, "")
			if strings.Contains(rest, "${") {
				t.Errorf("%s = %q: unexpected expression", path, value)
			}
		}
	})
	for _, lines := range optionalEnvLines(t) {
		for _, l := range lines {
			used[l.varName] = true
		}
	}
	for k := range declared {
		if !used[k] {
			t.Errorf("vars.%s is declared but never used", k)
		}
	}
}

// ---- s.yaml, rendered by the CLI

func TestRenderedAppCenter(t *testing.T) {
	t.Parallel()
	doc, _ := renderAppCenter(t, testParams)
	checkRendered(t, doc, testParams)
}

// TestRenderedAppCenterDefaults deploys with only the parameters that have no default: what a user who
// accepts the form's defaults gets.
func TestRenderedAppCenterDefaults(t *testing.T) {
	t.Parallel()
	p, _ := readPublish(t)
	given := map[string]string{}
	want := map[string]string{}
	for name, prop := range p.Parameters.Properties {
		def, _ := prop["default"].(string)
		want[name] = def
		if def == "" && slices.Contains(p.Parameters.Required, name) {
			given[name] = testParams[name]
			want[name] = testParams[name]
		}
	}
	doc, text := renderAppCenter(t, given)
	if strings.Contains(text, "${default-suffix}") {
		t.Error("${default-suffix} was not replaced")
	}
	vars, _ := doc["vars"].(map[string]any)
	prefix, _ := vars["namePrefix"].(string)
	if !regexp.MustCompile(`^oss-upload-[a-z0-9]+$`).MatchString(prefix) {
		t.Errorf("default function name prefix %q", prefix)
	}
	want["functionNamePrefix"] = prefix
	checkRendered(t, doc, want)
}

// TestRenderedCLI renders the way README tells CLI users to deploy (a file extending s.yaml that
// overrides vars; for the custom runtime, a copy of s.custom.yaml with the vars added) and expects
// exactly what the console renders for the same answers and runtime.
func TestRenderedCLI(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ runtime, base string }{{"go1", "s.yaml"}, {"custom.debian12", "s.custom.yaml"}} {
		t.Run(tc.runtime, func(t *testing.T) {
			t.Parallel()
			params := maps.Clone(testParams)
			params["runtime"] = tc.runtime
			vars := map[string]string{}
			for v, p := range varParams(t) {
				vars[v] = params[p]
			}
			// The optional form fields reach the console's render through art-template blocks the CLI
			// never sees; a CLI user sets them as environment variables of each function instead.
			env := map[string]map[string]string{}
			for fn, lines := range optionalEnvLines(t) {
				for _, l := range lines {
					if v := params[l.param]; v != "" {
						if env[fn] == nil {
							env[fn] = map[string]string{}
						}
						env[fn][l.env] = v
					}
				}
			}
			cli := renderCLI(t, tc.base, vars, env)
			checkRendered(t, cli, params)
			app, _ := renderAppCenter(t, params)
			if !reflect.DeepEqual(cli["resources"], app["resources"]) {
				a, _ := json.MarshalIndent(app["resources"], "", " ")
				c, _ := json.MarshalIndent(cli["resources"], "", " ")
				t.Errorf("CLI render (%s) differs from the console render:\nconsole: %s\ncli: %s", tc.base, a, c)
			}
		})
	}
}

// TestRenderedAppCenterOptionalEmpty: optional fields left empty are not sent at all (row 7 of issue
// 14: FC is never given an empty environment value), while the other answers still arrive.
func TestRenderedAppCenterOptionalEmpty(t *testing.T) {
	t.Parallel()
	params := maps.Clone(testParams)
	params["allowedOrigins"] = ""
	params["allowedContentTypes"] = ""
	doc, _ := renderAppCenter(t, params)
	checkRendered(t, doc, params)
}

// optionalLine is one art-template block of s.yaml that adds an environment variable only when its
// form field is filled in: #{{if P}}{{@ "\n<indent>ENV: ${vars.V}"}}{{/if}}.
type optionalLine struct {
	env, param, varName string
}

var optionalLineRE = regexp.MustCompile(`^( *)#\{\{if ([A-Za-z_][A-Za-z0-9_]*)\}\}\{\{@ "\\n( *)([A-Z][A-Z0-9_]*): \$\{vars\.([A-Za-z0-9_-]+)\}"\}\}\{\{/if\}\}$`)

// optionalEnvLines returns the optional-setting blocks of each fc3 resource of s.yaml, checking their
// form: the entry they emit is indented like the comment, so it lands in environmentVariables.
func optionalEnvLines(t testing.TB) map[string][]optionalLine {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "s.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	vp := varParams(t)
	out := map[string][]optionalLine{}
	resource := ""
	for i, line := range strings.Split(string(b), "\n") {
		if m := regexp.MustCompile(`^  ([a-z][a-z0-9_-]*):$`).FindStringSubmatch(line); m != nil {
			resource = m[1]
		}
		if !strings.Contains(line, "{{") {
			continue
		}
		trimmed := strings.TrimSpace(line)
		if !strings.HasPrefix(trimmed, "#") {
			continue // placeholders in values: TestSYAMLStatic
		}
		if runtimeOpenRE.MatchString(line) || runtimeCloseRE.MatchString(line) {
			continue // the runtime blocks: TestSYAMLRuntime
		}
		m := optionalLineRE.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("s.yaml:%d: art-template syntax in a comment (the console renders comments too): %q", i+1, line)
			continue
		}
		l := optionalLine{env: m[4], param: m[2], varName: m[5]}
		if m[1] != m[3] {
			t.Errorf("s.yaml:%d: the emitted entry is indented %d, the comment %d", i+1, len(m[3]), len(m[1]))
		}
		if vp[l.varName] != l.param {
			t.Errorf("s.yaml:%d: emits ${vars.%s} under {{if %s}}, but that var holds the parameter %q", i+1, l.varName, l.param, vp[l.varName])
		}
		if paramOfEnv[l.env] != l.param {
			t.Errorf("s.yaml:%d: %s is fed by parameter %q, not %q", i+1, l.env, paramOfEnv[l.env], l.param)
		}
		out[resource] = append(out[resource], l)
	}
	return out
}

// fcNameRE is an FC 3.0 function name: 1-64 characters (CreateFunction API).
var fcNameRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_-]{0,63}$`)

// checkRendered checks a previewed s.yaml against the parameters it was rendered with.
func checkRendered(t *testing.T, doc map[string]any, params map[string]string) {
	t.Helper()
	root := repoRoot(t)
	walkJSON(doc, "", func(path string, s string) {
		for _, bad := range []string{"{{", "}}", "${", "undefined"} {
			if strings.Contains(s, bad) {
				t.Errorf("rendered %s = %q: unresolved (%s)", path, s, bad)
			}
		}
	})
	resources, _ := doc["resources"].(map[string]any)
	var fc3Names []string
	functionName := map[string]string{}
	fc3 := schemaAt(t, fc3Schema(t), "")
	fc3Props := fc3TopLevelProps(t)
	for name, r := range resources {
		res, _ := r.(map[string]any)
		if res["component"] != "fc3" {
			continue
		}
		fc3Names = append(fc3Names, name)
		props, _ := res["props"].(map[string]any)
		t.Run(name, func(t *testing.T) {
			if err := validate(t, fc3, props); err != nil {
				t.Errorf("props do not satisfy the fc3 schema: %v", err)
			}
			for k := range props {
				if !fc3Props[k] {
					t.Errorf("props.%s is not an fc3 property (ignored by the component)", k)
				}
			}
			if props["handler"] != fcbuild.Handler {
				t.Errorf("handler = %v, want %s", props["handler"], fcbuild.Handler)
			}
			checkRuntime(t, props, params["runtime"])
			fn, _ := props["functionName"].(string)
			functionName[name] = fn
			if want := params["functionNamePrefix"] + "-" + name; fn != want || !fcNameRE.MatchString(fn) {
				t.Errorf("functionName = %q, want %q (valid FC name)", fn, want)
			}
			if props["region"] != params["region"] {
				t.Errorf("region = %v, want %s", props["region"], params["region"])
			}
			if rp, ok := roleParam[name]; !ok {
				if props["role"] != nil && props["role"] != "" {
					t.Errorf("role = %v; %s calls no cloud API and needs none", props["role"], name)
				}
			} else if want := params[rp]; props["role"] != want {
				t.Errorf("role = %v, want %s", props["role"], want)
			}
			code, _ := props["code"].(string)
			if got, want := filepath.Join(root, code), fcbuild.PathsFor(root, name).Dist; got != want {
				t.Errorf("code = %q resolves to %s, want the build output %s", code, got, want)
			}
			for _, k := range []string{"memorySize", "timeout", "logConfig", "description"} {
				if _, ok := props[k]; !ok {
					t.Errorf("props.%s missing", k)
				}
			}
			if name == "sts" && props["internetAccess"] == false {
				t.Error("sts has internetAccess false; it calls STS")
			}
			checkEnv(t, name, props, params)
			checkTrigger(t, name, props)
			checkActions(t, name, res)
		})
	}
	sort.Strings(fc3Names)
	if !reflect.DeepEqual(fc3Names, functions) {
		t.Errorf("fc3 resources %v, want %v", fc3Names, functions)
	}

	var domains int
	for name, r := range resources {
		res, _ := r.(map[string]any)
		if res["component"] != "fc3-domain" {
			continue
		}
		domains++
		props, _ := res["props"].(map[string]any)
		if err := validate(t, schemaAt(t, domainSchema(t), ""), props); err != nil {
			t.Errorf("%s: props do not satisfy the fc3-domain schema: %v", name, err)
		}
		if props["domainName"] != "auto" || props["region"] != params["region"] {
			t.Errorf("%s: domainName/region = %v/%v", name, props["domainName"], props["region"])
		}
		routes, _ := props["routeConfig"].(map[string]any)["routes"].([]any)
		got := map[string]string{}
		for _, r := range routes {
			rt, _ := r.(map[string]any)
			path, _ := rt["path"].(string)
			if _, dup := got[path]; dup {
				t.Errorf("%s: route %s twice", name, path)
			}
			got[path], _ = rt["functionName"].(string)
			// Row 3 of issue 14: a route without methods may refuse OPTIONS on the custom domain
			// (devsapp/fc#997), so every route lists at least GET, POST and OPTIONS.
			checkMethods(t, name+" route "+path, domainRoutes[path], rt["methods"])
		}
		want := map[string]string{}
		for path, fn := range domainRoutes {
			want[path] = functionName[fn]
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: routes %v, want %v", name, got, want)
		}
	}
	if domains != 1 {
		t.Errorf("%d fc3-domain resources, want 1", domains)
	}
}

// checkRuntime: on go1 (the default) a function is sent neither instanceConcurrency nor
// customRuntimeConfig, which FC 3.0 supports on custom runtimes only (s.yaml, "Runtime"); on the custom
// runtime it is sent exactly customRuntimeProps.
func checkRuntime(t *testing.T, props map[string]any, runtime string) {
	t.Helper()
	if runtime == "" || runtime == "go1" {
		if props["runtime"] != "go1" {
			t.Errorf("runtime = %v, want go1", props["runtime"])
		}
		for _, k := range goOnlyProps {
			if v, ok := props[k]; ok {
				t.Errorf("go1 is sent %s %v; FC 3.0 supports it on custom runtimes only", k, v)
			}
		}
		return
	}
	if props["runtime"] != runtime || !strings.HasPrefix(runtime, "custom.") {
		t.Errorf("runtime = %v, want the custom runtime %s", props["runtime"], runtime)
	}
	for k, want := range customRuntimeProps {
		got, _ := json.Marshal(props[k])
		w, _ := json.Marshal(want)
		if string(got) != string(w) {
			t.Errorf("%s = %s on the custom runtime, want %s", k, got, w)
		}
	}
}

func fc3TopLevelProps(t testing.TB) map[string]bool {
	b, err := os.ReadFile(fc3Schema(t))
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Properties map[string]any `json:"properties"`
	}
	json.Unmarshal(b, &s)
	out := map[string]bool{}
	for k := range s.Properties {
		out[k] = true
	}
	return out
}

// checkEnv: each function gets exactly the settings it reads that have a value (row 7 of issue 14: no
// empty values; an unset setting is omitted and config applies its documented default). A setting fed by
// a form field carries the answer, and is absent when the answer is empty; a fixed one is absent or its
// documented default.
func checkEnv(t *testing.T, fn string, props map[string]any, params map[string]string) {
	env, ok := props["environmentVariables"].(map[string]any)
	if !ok {
		t.Fatal("environmentVariables missing")
	}
	want := settingsFor(fn)
	for name, s := range want {
		v, set := env[name]
		str, _ := v.(string)
		p, fed := paramOfEnv[name]
		switch {
		case fed && params[p] != "":
			if str != params[p] {
				t.Errorf("env %s = %q (set: %v), want the %s parameter %q", name, str, set, p, params[p])
			}
		case fed:
			if set {
				t.Errorf("env %s = %q is sent although the %s field is empty; omit it", name, str, p)
			}
		case s.Required && !set:
			t.Errorf("env %s (required by %s) is not set", name, fn)
		case set && str != s.Default:
			t.Errorf("env %s = %q is fixed in s.yaml; want it omitted or its documented default %q", name, str, s.Default)
		}
	}
	for name, v := range env {
		if str, _ := v.(string); str == "" {
			t.Errorf("env %s is empty: omit unset settings instead", name)
		}
		if _, ok := want[name]; !ok {
			t.Errorf("env %s is set but %s reads no such setting", name, fn)
		}
		if strings.HasPrefix(name, "FC_") || strings.HasPrefix(name, "ALIBABA_CLOUD_") {
			t.Errorf("env %s: FC_* and ALIBABA_CLOUD_* are reserved by FC", name)
		}
	}
}

func checkTrigger(t *testing.T, fn string, props map[string]any) {
	triggers, _ := props["triggers"].([]any)
	if len(triggers) != 1 {
		t.Fatalf("%d triggers, want one HTTP trigger", len(triggers))
	}
	tr, _ := triggers[0].(map[string]any)
	cfg, _ := tr["triggerConfig"].(map[string]any)
	if tr["triggerType"] != "http" {
		t.Errorf("triggerType %v", tr["triggerType"])
	}
	if cfg["authType"] != "anonymous" {
		t.Errorf("authType = %v, want anonymous by default", cfg["authType"])
	}
	checkMethods(t, "trigger", fn, cfg["methods"])
}

// checkMethods: a trigger or custom-domain route lists its methods explicitly (row 3 of issue 14: a
// route without methods may refuse OPTIONS on the custom domain, devsapp/fc#997): GET, POST and
// OPTIONS (the CORS preflight) for the functions browsers call; POST for fn callback, which only OSS
// calls, server to server.
func checkMethods(t *testing.T, what, fn string, v any) {
	t.Helper()
	list, ok := v.([]any)
	if !ok {
		t.Errorf("%s: no methods list (%v)", what, v)
		return
	}
	methods := map[string]bool{}
	for _, m := range list {
		s, _ := m.(string)
		methods[s] = true
	}
	want := []string{"GET", "POST", "OPTIONS"}
	if fn == "callback" {
		want = []string{"POST"} // only OSS calls it
	}
	for _, m := range want {
		if !methods[m] {
			t.Errorf("%s: methods %v lack %s", what, list, m)
		}
	}
}

var preDeployKey = regexp.MustCompile(`^pre-(deploy|\$\{regex\('([a-z]+\|)*deploy(\|[a-z]+)*'\)\})$`)

// checkActions: the function is built (or its shipped binary checked) before it is deployed, from the
// project root. scripts/publish's test runs the step without Go.
func checkActions(t *testing.T, fn string, res map[string]any) {
	actions, _ := res["actions"].(map[string]any)
	found := false
	for key, v := range actions {
		if !preDeployKey.MatchString(key) {
			continue
		}
		steps, _ := v.([]any)
		for _, s := range steps {
			step, _ := s.(map[string]any)
			if step["run"] == "sh scripts/build/predeploy.sh "+fn {
				found = true
				if p, ok := step["path"]; ok && filepath.Clean(p.(string)) != "." {
					t.Errorf("build action path %v; it must run from the project root (the directory of s.yaml)", p)
				}
			}
		}
	}
	if !found {
		t.Errorf("no pre-deploy action runs `sh scripts/build/predeploy.sh %s`", fn)
	}
}

func walkJSON(v any, path string, f func(path, s string)) {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			walkJSON(c, path+"/"+k, f)
		}
	case []any:
		for i, c := range x {
			walkJSON(c, fmt.Sprintf("%s[%d]", path, i), f)
		}
	case string:
		f(path, x)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
