package config

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

func TestInternalEndpoint(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ endpoint, internal, want string }{
		{"", "", "https://oss-cn-hangzhou-internal.aliyuncs.com"},
		{"files.example.com", "", "https://oss-cn-hangzhou-internal.aliyuncs.com"},
		{"http://127.0.0.1:9000", "", "http://127.0.0.1:9000"},
		{"", "http://10.0.0.5:80/", "http://10.0.0.5:80"},
	} {
		env := map[string]string{"OSS_BUCKET": "examplebucket", "OSS_REGION": "cn-hangzhou", "OSS_ENDPOINT": c.endpoint, "OSS_INTERNAL_ENDPOINT": c.internal}
		cfg, err := Load(FunctionPresignedURL, func(k string) string { return env[k] })
		if err != nil || cfg.InternalEndpoint != c.want {
			t.Errorf("%q/%q: %q %v, want %q", c.endpoint, c.internal, cfg.InternalEndpoint, err, c.want)
		}
		if cfg, _ := Load(FunctionPostSignature, func(k string) string { return env[k] }); cfg.InternalEndpoint != "" {
			t.Errorf("postsignature got an internal endpoint %q", cfg.InternalEndpoint)
		}
	}
	for _, bad := range []string{"ftp://x", "http://10.0.0.5/bucket"} {
		env := map[string]string{"OSS_BUCKET": "examplebucket", "OSS_REGION": "cn-hangzhou", "OSS_INTERNAL_ENDPOINT": bad}
		if _, err := Load(FunctionPresignedURL, func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "OSS_INTERNAL_ENDPOINT") {
			t.Errorf("%s accepted: %v", bad, err)
		}
	}
	// An origin is scheme and host: a path is refused, a trailing / dropped.
	env := map[string]string{"OSS_BUCKET": "examplebucket", "OSS_REGION": "cn-hangzhou", "CORS_ALLOWED_ORIGINS": "https://app.example.com/, http://127.0.0.1:8080"}
	if cfg, err := Load(FunctionPresignedURL, func(k string) string { return env[k] }); err != nil || strings.Join(cfg.CORSOrigins, " ") != "https://app.example.com http://127.0.0.1:8080" {
		t.Errorf("origins %q: %v", cfg.CORSOrigins, err)
	}
	env["CORS_ALLOWED_ORIGINS"] = "https://app.example.com/app"
	if _, err := Load(FunctionPresignedURL, func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "CORS_ALLOWED_ORIGINS") {
		t.Errorf("an origin with a path accepted: %v", err)
	}
}

// TestDefaultUppyURL keeps the CDN default on the version scripts/node installs (what the tests drive).
func TestDefaultUppyURL(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../scripts/node/package.json")
	if err != nil {
		t.Fatal(err)
	}
	var pkg struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	if err := json.Unmarshal(b, &pkg); err != nil {
		t.Fatal(err)
	}
	if want := "/uppy@" + pkg.Dependencies["uppy"] + "/dist/"; !strings.Contains(defaultUppyURL, want) {
		t.Errorf("defaultUppyURL %s does not name %s", defaultUppyURL, want)
	}
}

func TestDemoUppyURL(t *testing.T) {
	t.Parallel()
	env := map[string]string{"OSS_BUCKET": "examplebucket", "OSS_REGION": "cn-hangzhou"}
	cfg, err := Load(FunctionPresignedURL, func(k string) string { return env[k] })
	if err != nil || cfg.DemoUppyURL != defaultUppyURL {
		t.Errorf("default: %q %v", cfg.DemoUppyURL, err)
	}
	env["DEMO_UPPY_URL"] = "http://127.0.0.1:1/vendor/uppy/6/"
	if cfg, err := Load(FunctionPresignedURL, func(k string) string { return env[k] }); err != nil || cfg.DemoUppyURL != env["DEMO_UPPY_URL"] {
		t.Errorf("set: %q %v", cfg.DemoUppyURL, err)
	}
	env["DEMO_UPPY_URL"] = "https://cdn.example/uppy.min.js"
	if _, err := Load(FunctionPresignedURL, func(k string) string { return env[k] }); err == nil {
		t.Error("a file URL accepted")
	}
}
