package config

import (
	"strings"
	"testing"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/shared/ossauth"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func base() map[string]string {
	return map[string]string{
		"OSS_BUCKET": "examplebucket", "OSS_REGION": "oss-cn-hangzhou",
		"OSS_STS_ROLE_ARN": "acs:ram::1234567890123456:role/oss-upload",
	}
}

func TestLoadDefaults(t *testing.T) {
	t.Parallel()
	for _, fn := range Functions {
		c, err := Load(fn, env(base()))
		if err != nil {
			t.Fatalf("%s: %v", fn, err)
		}
		if c.Region != "cn-hangzhou" || c.Rules.Dir != "uploads/" || c.Endpoint.BucketURL("examplebucket") != "https://examplebucket.oss-cn-hangzhou.aliyuncs.com" {
			t.Errorf("%s: %+v", fn, c)
		}
		if fn == FunctionSTS && (c.STSDuration != time.Hour || c.DemoAliOSSURL != defaultAliOSSURL) {
			t.Errorf("sts defaults: %+v", c)
		}
		if fn == FunctionCallback && strings.Join(c.CallbackTrustedKeyURLs, ",") != defaultCallbackTrustedKeyURLs {
			t.Errorf("callback defaults: %+v", c)
		}
		if fn != FunctionSTS && fn != FunctionCallback && (c.Rules.MaxSize != 104857600 || c.Rules.Expires != 10*time.Minute || c.Rules.DefaultContentType != "application/octet-stream") {
			t.Errorf("%s defaults: %+v", fn, c.Rules)
		}
	}
}

func TestLoadReportsEveryProblem(t *testing.T) {
	t.Parallel()
	_, err := Load(FunctionSTS, env(map[string]string{
		"OSS_REGION": "Hangzhou", "OSS_UPLOAD_DIR": "../x", "OSS_STS_DURATION_SECONDS": "60",
		"CORS_ALLOWED_ORIGINS": "app.example.com", "OSS_STS_ENDPOINT": "sts", "OSS_STS_NETWORK": "intranet",
		"OSS_STS_FUNCTION_ROLE_ARN": "fc-oss-upload-sts",
	}))
	if err == nil {
		t.Fatal("no error")
	}
	for _, name := range []string{"OSS_BUCKET", "OSS_REGION", "OSS_UPLOAD_DIR", "OSS_STS_ROLE_ARN", "OSS_STS_DURATION_SECONDS", "CORS_ALLOWED_ORIGINS", "OSS_STS_ENDPOINT", "OSS_STS_NETWORK", "OSS_STS_FUNCTION_ROLE_ARN"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error does not name %s:\n%v", name, err)
		}
	}
}

func TestLoadSignerSettings(t *testing.T) {
	t.Parallel()
	m := base()
	m["OSS_ENDPOINT"] = "http://127.0.0.1:9000"
	m["OSS_ALLOWED_CONTENT_TYPES"] = "image/png, IMAGE/JPEG"
	m["OSS_FORBID_OVERWRITE"] = "true"
	m["OSS_SIGNATURE_EXPIRES_SECONDS"] = "60"
	m["CORS_ALLOWED_ORIGINS"] = "https://app.example.com/, http://localhost:3000"
	c, err := Load(FunctionPresignedURL, env(m))
	if err != nil {
		t.Fatal(err)
	}
	if c.Endpoint.Addressing != ossauth.PathStyle || !c.Rules.ForbidOverwrite || c.Rules.Expires != time.Minute ||
		strings.Join(c.Rules.AllowedTypes, ",") != "image/png,image/jpeg" ||
		strings.Join(c.CORSOrigins, ",") != "https://app.example.com,http://localhost:3000" {
		t.Errorf("%+v", c)
	}
	if c.STSRoleARN != "" {
		t.Errorf("presignedurl read the STS setting")
	}
	for k, v := range map[string]string{"OSS_MAX_SIZE_BYTES": "6000000000", "OSS_SIGNATURE_EXPIRES_SECONDS": "604801", "OSS_FORBID_OVERWRITE": "yes please", "OSS_ALLOWED_CONTENT_TYPES": "png", "OSS_BUCKET": "Bad_Bucket"} {
		m := base()
		m[k] = v
		if _, err := Load(FunctionPostSignature, env(m)); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%q: %v", k, v, err)
		}
	}
}

// TestSecureDefaults: with nothing set, uploads may not replace objects and active content is
// served as a download (issue 18 rows 3 and 5); both are explicit opt-outs.
func TestSecureDefaults(t *testing.T) {
	t.Parallel()
	c, err := Load(FunctionPostSignature, env(base()))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Rules.ForbidOverwrite || c.Rules.AllowActiveContent {
		t.Errorf("defaults %+v", c.Rules)
	}
	m := base()
	m["OSS_FORBID_OVERWRITE"], m["OSS_ALLOW_ACTIVE_CONTENT"] = "false", "true"
	if c, err = Load(FunctionPresignedURL, env(m)); err != nil || c.Rules.ForbidOverwrite || !c.Rules.AllowActiveContent {
		t.Errorf("opt-outs: %+v %v", c.Rules, err)
	}
}

// TestWildcardsRefused: RAM wildcard characters never reach a policy resource (issue 18 row 9).
func TestWildcardsRefused(t *testing.T) {
	t.Parallel()
	for _, dir := range []string{"up?oads/", "uploads/*/", "${ram:UserName}/"} {
		m := base()
		m["OSS_UPLOAD_DIR"] = dir
		for _, fn := range Functions {
			if _, err := Load(fn, env(m)); err == nil || !strings.Contains(err.Error(), "OSS_UPLOAD_DIR") {
				t.Errorf("%s: OSS_UPLOAD_DIR=%q: %v", fn, dir, err)
			}
		}
	}
	m := base()
	m["OSS_BUCKET"] = "bucket*"
	if _, err := Load(FunctionSTS, env(m)); err == nil || !strings.Contains(err.Error(), "OSS_BUCKET") {
		t.Errorf("OSS_BUCKET=bucket*: %v", err)
	}
}

func TestLoadCallbackSettings(t *testing.T) {
	t.Parallel()
	m := base()
	m["OSS_CALLBACK_URL"] = "https://up.example.com/oss_upload_callback"
	c, err := Load(FunctionPresignedURL, env(m))
	if err != nil || c.Rules.CallbackURL != m["OSS_CALLBACK_URL"] {
		t.Fatalf("presignedurl: %v %q", err, c.Rules.CallbackURL)
	}
	if c, _ := Load(FunctionCallback, env(m)); c.Rules.CallbackURL != "" {
		t.Errorf("callback reads OSS_CALLBACK_URL: %q", c.Rules.CallbackURL)
	}
	m["WEBHOOK_URL"] = "https://app.example.com/hooks"
	m["WEBHOOK_SECRET"] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	if c, err := Load(FunctionCallback, env(m)); err != nil || c.WebhookURL != m["WEBHOOK_URL"] || c.WebhookSecret != m["WEBHOOK_SECRET"] {
		t.Errorf("webhook: %v %+v", err, c)
	}
	for name, bad := range map[string]map[string]string{
		"OSS_CALLBACK_TRUSTED_KEY_URLS": {"OSS_CALLBACK_TRUSTED_KEY_URLS": "https://gosspublic.alicdn.com"},
		"WEBHOOK_SECRET":                {"WEBHOOK_URL": "https://app.example.com/h"},
		"WEBHOOK_URL":                   {"WEBHOOK_URL": "app.example.com/h", "WEBHOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
	} {
		m := base()
		for k, v := range bad {
			m[k] = v
		}
		if _, err := Load(FunctionCallback, env(m)); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v", name, err)
		}
	}
	m = base()
	m["WEBHOOK_URL"], m["WEBHOOK_SECRET"] = "https://app.example.com/h", "whsec_c2hvcnQ="
	if _, err := Load(FunctionCallback, env(m)); err == nil || !strings.Contains(err.Error(), "WEBHOOK_SECRET") {
		t.Errorf("short secret: %v", err)
	}
}

func TestLoadAuth(t *testing.T) {
	t.Parallel()
	jwks := `{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"k","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`
	m := base()
	if c, err := Load(FunctionSTS, env(m)); err != nil || c.Auth != nil {
		t.Fatalf("auth must be off by default: %v", err)
	}
	for _, ok := range []map[string]string{
		{"AUTH_JWKS_URL": "https://idp.example.com/.well-known/jwks.json", "AUTH_ISSUER": "https://idp.example.com/", "AUTH_AUDIENCE": "app"},
		{"AUTH_JWKS": jwks, "AUTH_ISSUER": "https://idp.example.com/", "AUTH_AUDIENCE": "app", "AUTH_USER_CLAIM": "email"},
	} {
		m := base()
		for k, v := range ok {
			m[k] = v
		}
		if c, err := Load(FunctionPresignedURL, env(m)); err != nil || c.Auth == nil {
			t.Errorf("%v: %v", ok, err)
		}
	}
	for name, bad := range map[string]map[string]string{
		"AUTH_ISSUER":      {"AUTH_JWKS_URL": "https://idp.example.com/jwks", "AUTH_AUDIENCE": "app"},
		"AUTH_AUDIENCE":    {"AUTH_JWKS_URL": "https://idp.example.com/jwks", "AUTH_ISSUER": "i"},
		"AUTH_JWKS_URL":    {"AUTH_JWKS_URL": "http://idp.example.com/jwks", "AUTH_ISSUER": "i", "AUTH_AUDIENCE": "app"},
		"AUTH_JWKS":        {"AUTH_JWKS": `{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`, "AUTH_ISSUER": "i", "AUTH_AUDIENCE": "app"},
		"AUTH_USER_HEADER": {"AUTH_USER_HEADER": "X-User-Id"},
		"AUTH_ISSUER ":     {"AUTH_ISSUER": "i"}, // set without a key set: refused, never silently anonymous
	} {
		m := base()
		for k, v := range bad {
			m[k] = v
		}
		if _, err := Load(FunctionSTS, env(m)); err == nil || !strings.Contains(err.Error(), strings.TrimSpace(name)) {
			t.Errorf("%s: %v", name, err)
		}
	}
	m["AUTH_JWKS_URL"], m["AUTH_JWKS"], m["AUTH_ISSUER"], m["AUTH_AUDIENCE"] = "https://idp.example.com/jwks", jwks, "i", "a"
	if _, err := Load(FunctionSTS, env(m)); err == nil || !strings.Contains(err.Error(), "only one") {
		t.Errorf("both key sets: %v", err)
	}
}
