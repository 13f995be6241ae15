package config

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/shared/ossauth"
	"github.com/fc-oss-upload/fc-oss-upload/shared/upload"
	"github.com/fc-oss-upload/fc-oss-upload/shared/userauth"
)

// Config is the validated configuration of one function.
type Config struct {
	Function string
	Bucket   string
	Region   string // standard form: cn-hangzhou
	Endpoint ossauth.Endpoint
	// InternalEndpoint is the URL the function itself calls OSS at (multipart uploads of
	// presignedurl); "" for functions that never call OSS.
	InternalEndpoint string
	Rules            upload.Rules

	STSRoleARN  string
	STSEndpoint string // URL; empty means the regional endpoint
	STSNetwork  string // "" or "vpc"
	STSDuration time.Duration

	// STSFunctionRoleARN is the role attached to the sts function ("" = not given); only the message
	// that says how to fix a refused AssumeRole uses it.
	STSFunctionRoleARN string

	CORSOrigins   []string
	DemoAliOSSURL string
	// Auth verifies callers' bearer JWTs (AUTH_*); nil when per-user mode is off.
	Auth *userauth.Verifier
	// DemoTokenURL is the test issuer's token endpoint the demo pages sign in with ("" = none).
	DemoTokenURL string
	DemoUppyURL  string

	// CallbackTrustedKeyURLs are the prefixes a callback's public key URL must start with.
	CallbackTrustedKeyURLs []string
	// WebhookURL receives verified uploads (Standard Webhooks); "" = off. WebhookSecret is its
	// signing secret, whsec_<base64>.
	WebhookURL    string
	WebhookSecret string
}

// Limits enforced on settings.
const (
	MaxObjectSize   = upload.MaxObjectBytes // OSS's single-request limit
	MinSTSDuration  = 900 * time.Second
	MaxSTSDuration  = 43200 * time.Second
	MaxSignatureTTL = ossauth.MaxPresignExpiry
)

var (
	bucketRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$`)
	regionRE = regexp.MustCompile(`^[a-z]{2,}(-[a-z0-9]+)+$`)
	roleRE   = regexp.MustCompile(`^acs:ram::[0-9]+:role/[A-Za-z0-9._\-/]+$`)
	typeRE   = regexp.MustCompile(`^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$`)
)

// Load reads and validates the settings of function from getenv (os.Getenv in production).
// The error lists every problem, one per line, each naming its variable.
func Load(function string, getenv func(string) string) (Config, error) {
	l := loader{getenv: getenv, function: function}
	c := Config{Function: function}
	if !slices.Contains(Functions, function) {
		return c, fmt.Errorf("config: unknown function %q", function)
	}

	c.Bucket = l.str("OSS_BUCKET")
	if err := upload.CheckResource("bucket", c.Bucket); err != nil {
		l.fail("OSS_BUCKET", "%v", err)
	} else if c.Bucket != "" && !bucketRE.MatchString(c.Bucket) {
		l.fail("OSS_BUCKET", "%q is not a bucket name (3-63 lower-case letters, digits and hyphens)", c.Bucket)
	}
	c.Region = ossauth.StandardRegion(l.str("OSS_REGION"))
	if c.Region != "" && !regionRE.MatchString(c.Region) {
		l.fail("OSS_REGION", "%q is not a region ID like cn-hangzhou", c.Region)
	}
	if c.Bucket != "" && c.Region != "" {
		ep, err := ossauth.ParseEndpoint(l.str("OSS_ENDPOINT"), c.Bucket, c.Region)
		if err != nil {
			l.fail("OSS_ENDPOINT", "%v", err)
		}
		c.Endpoint = ep
		c.InternalEndpoint = l.internalEndpoint(ep, c.Region)
	}
	dir := l.str("OSS_UPLOAD_DIR")
	if err := upload.CheckDir(dir); err != nil {
		l.fail("OSS_UPLOAD_DIR", "%v", err)
	}
	c.Rules = upload.Rules{
		Bucket:             c.Bucket,
		Dir:                dir,
		MaxSize:            l.integer("OSS_MAX_SIZE_BYTES", 0, MaxObjectSize),
		DefaultContentType: l.str("OSS_DEFAULT_CONTENT_TYPE"),
		Expires:            time.Duration(l.integer("OSS_SIGNATURE_EXPIRES_SECONDS", 1, int64(MaxSignatureTTL/time.Second))) * time.Second,
		ForbidOverwrite:    l.boolean("OSS_FORBID_OVERWRITE"),
		AllowActiveContent: l.boolean("OSS_ALLOW_ACTIVE_CONTENT"),
	}
	for _, t := range l.list("OSS_ALLOWED_CONTENT_TYPES") {
		t = strings.ToLower(t)
		if !typeRE.MatchString(t) {
			l.fail("OSS_ALLOWED_CONTENT_TYPES", "%q is not a media type like image/png", t)
		}
		c.Rules.AllowedTypes = append(c.Rules.AllowedTypes, t)
	}
	if ct := c.Rules.DefaultContentType; ct != "" && !typeRE.MatchString(strings.ToLower(ct)) {
		l.fail("OSS_DEFAULT_CONTENT_TYPE", "%q is not a media type like application/octet-stream", ct)
	}

	c.STSRoleARN = l.str("OSS_STS_ROLE_ARN")
	if c.STSRoleARN != "" && !roleRE.MatchString(c.STSRoleARN) {
		l.fail("OSS_STS_ROLE_ARN", "%q is not a role ARN like acs:ram::1234567890123456:role/oss-upload", c.STSRoleARN)
	}
	c.STSFunctionRoleARN = l.str("OSS_STS_FUNCTION_ROLE_ARN")
	if c.STSFunctionRoleARN != "" && !roleRE.MatchString(c.STSFunctionRoleARN) {
		l.fail("OSS_STS_FUNCTION_ROLE_ARN", "%q is not a role ARN like acs:ram::1234567890123456:role/fc-oss-upload-sts", c.STSFunctionRoleARN)
	}
	c.STSEndpoint = l.str("OSS_STS_ENDPOINT")
	if c.STSEndpoint != "" && !httpURL(c.STSEndpoint) {
		l.fail("OSS_STS_ENDPOINT", "%q must be a URL like https://sts.cn-hangzhou.aliyuncs.com", c.STSEndpoint)
	}
	c.STSNetwork = l.str("OSS_STS_NETWORK")
	if c.STSNetwork != "" && c.STSNetwork != "vpc" {
		l.fail("OSS_STS_NETWORK", "%q must be empty or vpc", c.STSNetwork)
	}
	c.STSDuration = time.Duration(l.integer("OSS_STS_DURATION_SECONDS", int64(MinSTSDuration/time.Second), int64(MaxSTSDuration/time.Second))) * time.Second

	for _, o := range l.list("CORS_ALLOWED_ORIGINS") {
		if o != "*" {
			var ok bool
			if o, ok = origin(o); !ok {
				l.fail("CORS_ALLOWED_ORIGINS", "%q is not an origin like https://app.example.com", o)
				continue
			}
		}
		c.CORSOrigins = append(c.CORSOrigins, o)
	}
	c.DemoAliOSSURL = l.str("DEMO_ALIOSS_URL")
	c.Auth = l.auth()
	if c.Auth != nil && len(dir)+userauth.MaxSegmentBytes+1 > upload.MaxKeyBytes-128 {
		l.fail("OSS_UPLOAD_DIR", "is %d bytes; with per-user uploads at most %d leave room for the user segment and object names", len(dir), upload.MaxKeyBytes-128-userauth.MaxSegmentBytes-1)
	}
	c.DemoUppyURL = l.str("DEMO_UPPY_URL")
	if c.DemoUppyURL != "" && !strings.HasSuffix(c.DemoUppyURL, "/") {
		l.fail("DEMO_UPPY_URL", "%q must be a folder URL ending in /", c.DemoUppyURL)
	}
	c.DemoTokenURL = l.str("DEMO_TOKEN_URL")
	c.Rules.CallbackURL = l.str("OSS_CALLBACK_URL")
	if c.Rules.CallbackURL != "" && !httpURL(c.Rules.CallbackURL) {
		l.fail("OSS_CALLBACK_URL", "%q must be a URL like https://uploads.example.com/oss_upload_callback", c.Rules.CallbackURL)
	} else if strings.ContainsAny(c.Rules.CallbackURL, "?#%") {
		// OSS signs the callback's raw query, which FC's trigger event does not keep; ali-oss
		// re-encodes "%" (encodeURI).
		l.fail("OSS_CALLBACK_URL", "%q must have no query, fragment or %%-escapes", c.Rules.CallbackURL)
	}
	for _, p := range l.list("OSS_CALLBACK_TRUSTED_KEY_URLS") {
		if u, err := url.Parse(p); err != nil || !httpURL(p) || !strings.HasSuffix(u.Path, "/") || u.User != nil {
			l.fail("OSS_CALLBACK_TRUSTED_KEY_URLS", "%q must be a URL prefix ending in / like https://gosspublic.alicdn.com/", p)
			continue
		}
		c.CallbackTrustedKeyURLs = append(c.CallbackTrustedKeyURLs, p)
	}
	c.WebhookURL = l.str("WEBHOOK_URL")
	if c.WebhookURL != "" && !httpURL(c.WebhookURL) {
		l.fail("WEBHOOK_URL", "%q must be a URL like https://app.example.com/hooks/uploads", c.WebhookURL)
	}
	c.WebhookSecret = l.str("WEBHOOK_SECRET")
	switch {
	case c.WebhookURL != "" && c.WebhookSecret == "":
		l.fail("WEBHOOK_SECRET", "is required with WEBHOOK_URL: a whsec_<base64> secret shared with the receiver")
	case c.WebhookSecret != "" && !webhookSecret(c.WebhookSecret):
		l.fail("WEBHOOK_SECRET", "must be whsec_ followed by the base64 of 24 to 64 random bytes (e.g. whsec_$(openssl rand -base64 32))")
	}
	if err := errors.Join(l.errs...); err != nil {
		return c, fmt.Errorf("config: invalid settings for function %s:\n%w", function, err)
	}
	return c, nil
}

// httpURL reports whether s is an absolute http or https URL with a host.
func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// origin returns scheme://host of s when s is an http or https URL with a host and no path but "/".
func origin(s string) (string, bool) {
	u, err := url.Parse(s)
	if err != nil || !httpURL(s) || (u.Path != "" && u.Path != "/") {
		return s, false
	}
	return u.Scheme + "://" + u.Host, true
}

// webhookSecret reports whether s is a Standard Webhooks secret: whsec_ and the base64 of 24 to 64
// bytes (the specification's recommended key sizes).
func webhookSecret(s string) bool {
	k, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, "whsec_"))
	return strings.HasPrefix(s, "whsec_") && err == nil && len(k) >= 24 && len(k) <= 64
}

// auth reads the AUTH_* settings: a verifier when a key set is configured, nil when none is.
func (l *loader) auth() *userauth.Verifier {
	if strings.TrimSpace(l.getenv("AUTH_USER_HEADER")) != "" {
		l.fail("AUTH_USER_HEADER", "was removed: a header can be sent by anyone; the functions now verify the JWT themselves (set AUTH_JWKS_URL, AUTH_ISSUER and AUTH_AUDIENCE instead)")
	}
	o := userauth.Options{
		JWKSURL: l.str("AUTH_JWKS_URL"), Issuer: l.str("AUTH_ISSUER"), Audience: l.str("AUTH_AUDIENCE"),
		UserClaim: l.str("AUTH_USER_CLAIM"),
	}
	if j := l.str("AUTH_JWKS"); j != "" {
		o.JWKS = []byte(j)
	}
	if o.JWKSURL == "" && o.JWKS == nil {
		for _, name := range []string{"AUTH_ISSUER", "AUTH_AUDIENCE"} {
			if l.str(name) != "" {
				l.fail(name, "is set but no key set is: set AUTH_JWKS_URL (or AUTH_JWKS) to turn per-user uploads on")
			}
		}
		return nil
	}
	ok := true
	if o.JWKSURL != "" && o.JWKS != nil {
		l.fail("AUTH_JWKS", "set only one of AUTH_JWKS_URL and AUTH_JWKS")
		ok = false
	}
	if o.JWKSURL != "" {
		if err := userauth.CheckJWKSURL(o.JWKSURL); err != nil {
			l.fail("AUTH_JWKS_URL", "%v", err)
			ok = false
		}
	}
	if o.JWKS != nil {
		if _, err := userauth.ParseJWKS(o.JWKS); err != nil {
			l.fail("AUTH_JWKS", "%v", err)
			ok = false
		}
	}
	for _, s := range [][2]string{{"AUTH_ISSUER", o.Issuer}, {"AUTH_AUDIENCE", o.Audience}} {
		if s[1] == "" {
			l.fail(s[0], "is required with AUTH_JWKS_URL or AUTH_JWKS")
			ok = false
		}
	}
	if !ok {
		return nil
	}
	v, err := userauth.New(o)
	if err != nil {
		l.fail("AUTH_JWKS_URL", "%v", err)
		return nil
	}
	return v
}

// internalEndpoint returns OSS_INTERNAL_ENDPOINT, else the client endpoint when it is a local
// path-style one, else the region's internal endpoint (oss-<region>-internal.aliyuncs.com:
// https://help.aliyun.com/en/oss/user-guide/regions-and-endpoints). FC reaches it over the region's
// internal network (https://help.aliyun.com/en/functioncompute/fc/developer-reference/fc-endpoints),
// also with Internet access off: "既不允许函数访问公网,也不允许访问VPC: 通过函数网络访问内网"
// (https://help.aliyun.com/document_detail/2513536.html).
func (l *loader) internalEndpoint(client ossauth.Endpoint, region string) string {
	if _, applies := l.setting("OSS_INTERNAL_ENDPOINT"); !applies {
		return ""
	}
	raw := l.str("OSS_INTERNAL_ENDPOINT")
	if raw == "" {
		if client.Addressing == ossauth.PathStyle {
			return client.BaseURL()
		}
		return "https://oss-" + region + "-internal.aliyuncs.com"
	}
	o, ok := origin(raw)
	if !ok {
		l.fail("OSS_INTERNAL_ENDPOINT", "%q must be a URL like https://oss-cn-hangzhou-internal.aliyuncs.com", raw)
		return ""
	}
	return o
}

type loader struct {
	getenv   func(string) string
	function string
	errs     []error
}

func (l *loader) fail(name, format string, args ...any) {
	l.errs = append(l.errs, fmt.Errorf("  %s: %s", name, fmt.Sprintf(format, args...)))
}

func (l *loader) setting(name string) (Setting, bool) {
	for _, s := range Settings {
		if s.Name == name {
			return s, s.AppliesTo(l.function)
		}
	}
	panic("config: setting " + name + " is not declared in Settings") // a bug in this package, caught by its tests
}

// str returns the trimmed value or the default; a required setting that is empty is an error.
func (l *loader) str(name string) string {
	s, applies := l.setting(name)
	if !applies {
		return ""
	}
	v := strings.TrimSpace(l.getenv(name))
	if v == "" {
		v = s.Default
	}
	if v == "" && s.Required {
		l.fail(name, "is required: %s", s.Doc)
	}
	return v
}

func (l *loader) integer(name string, min, max int64) int64 {
	v := l.str(name)
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < min || n > max {
		l.fail(name, "%q must be a whole number from %d to %d", v, min, max)
	}
	return n
}

func (l *loader) boolean(name string) bool {
	v := l.str(name)
	if v == "" {
		return false
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		l.fail(name, "%q must be true or false", v)
	}
	return b
}

func (l *loader) list(name string) []string {
	var out []string
	for _, p := range strings.Split(l.str(name), ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
