package devstack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/internal/fakests"
	"github.com/fc-oss-upload/fc-oss-upload/internal/localcred"
	"github.com/fc-oss-upload/fc-oss-upload/internal/localidp"
	"github.com/fc-oss-upload/fc-oss-upload/internal/localoss"
	"github.com/fc-oss-upload/fc-oss-upload/internal/nodetools"
	"github.com/fc-oss-upload/fc-oss-upload/scripts/deploy"
	"github.com/fc-oss-upload/fc-oss-upload/scripts/fcemu"
	"github.com/fc-oss-upload/fc-oss-upload/shared/config"
)

// Defaults of the local stack.
const (
	DefaultBucket  = "local-uploads"
	DefaultRegion  = "cn-hangzhou"
	LocalRoleARN   = "acs:ram::1234567890123456:role/oss-upload-local"
	aliOSSVendored = "/vendor/aliyun-oss-sdk.min.js"
	// CallbackPath is the callback function's route on the origin.
	CallbackPath = "/oss_upload_callback"
	// UppyVendored is where the stack serves the Uppy bundles from scripts/node: UppyVendored+"6/"
	// (npm uppy, what the Uppy page loads) and UppyVendored+"5/" (npm uppy5 = uppy@5).
	UppyVendored = "/vendor/uppy/"
)

// Options configure a stack. Every field is optional.
type Options struct {
	// Bins are prebuilt binaries by function name; missing ones are built into a temp dir.
	Bins map[string]string
	// DataDir is where the local OSS stores objects; "" means a temp dir removed on Close.
	DataDir string
	// Bucket and Region of the local OSS (defaults local-uploads, cn-hangzhou).
	Bucket, Region string
	// OriginAddr and OSSAddr are listen addresses; "" means 127.0.0.1 on a free port.
	OriginAddr, OSSAddr string
	// FunctionAddrs are the listen addresses of each function's own trigger; missing means a free port.
	FunctionAddrs map[string]string
	// Env adds settings for every function (e.g. OSS_ALLOWED_CONTENT_TYPES); it wins over the stack's.
	Env map[string]string
	// Now is the clock of the local OSS and the fake STS (the functions use the real clock).
	Now func() time.Time
	// Timeout is each function's timeout (default 10 s).
	Timeout time.Duration
	// Auth starts a local issuer (internal/localidp) and turns per-user mode on against it: the
	// functions verify its tokens (AUTH_JWKS_URL, AUTH_ISSUER, AUTH_AUDIENCE) and the demo pages sign
	// in by user name (DEMO_TOKEN_URL).
	Auth bool
	// Authorize, when set, is the trigger authoriser of every function (a platform check in front of
	// the function, as FC's trigger authConfig would be).
	Authorize func(function string, r *http.Request) (map[string]string, error)
	// Logger receives the stack's logs; FunctionOutput receives the functions' stdout and stderr.
	Logger         *slog.Logger
	FunctionOutput io.Writer
	// Callbacks sets OSS_CALLBACK_URL to the origin's CallbackPath: every authorization then asks
	// the local OSS to call the callback function after the upload. The callback function runs
	// either way, trusting only the local OSS's key.
	Callbacks bool
	// Scaling, when set, runs each function scaled like FC (fcemu.Pool: go1 one request per
	// instance, or a custom runtime with instance concurrency) instead of one go1 process taking up
	// to 20 requests at once.
	Scaling *fcemu.Scaling
	// Provisioned overrides Scaling.Provisioned per function (by name).
	Provisioned map[string]int
	// Initializer runs each function's initializer in every new go1 instance (FC's
	// instanceLifecycleConfig.initializer).
	Initializer bool
	// STSRateLimit is the fake STS's AssumeRole calls per second (0: no limit; STS's is
	// fakests.DefaultRateLimit).
	STSRateLimit int
	// InvocationOnly gives the functions their role's credentials only with each invocation, not
	// in their environment too (FC sets those once per instance, and they can expire before it
	// ends), so only a function that reads the invocation's credentials can sign.
	InvocationOnly bool
	// NoForwardedProto runs the functions behind a front that sends no X-Forwarded-Proto
	// (fcemu.Options.NoForwardedProto).
	NoForwardedProto bool
	// RoleFiles overrides, by function name, the policy file (in scripts/deploy/policies) of the
	// function's local role, e.g. to show that a function fails with another function's role.
	RoleFiles map[string]string
	// Real runs the functions against Alibaba Cloud: no fake STS or local OSS; the functions get the
	// OSS_*/CORS_* settings of this process's environment, and ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET
	// [/_SECURITY_TOKEN] as their role's credentials.
	Real bool
}

// Stack is a running local stack.
type Stack struct {
	OriginURL    string            // one origin: demo pages and APIs, routed by path
	FunctionURLs map[string]string // each function's own HTTP trigger
	OSSURL       string            // local OSS endpoint (path-style); "" when Real
	STSURL       string            // fake STS endpoint; "" when Real
	Bucket       string
	Region       string
	Dir          string // the upload prefix
	DataDir      string

	OSS      *localoss.Server
	STS      *fakests.Server
	Issuer   *localidp.Issuer // with Options.Auth
	Registry *localcred.Registry
	// Roles are the functions' role credentials, by function name: each key carries its role's
	// policy file of scripts/deploy/policies (RolePolicyFiles) as identity policy, rendered for this
	// stack's bucket and prefix, so the local OSS and fake STS allow each function only what its role
	// will allow in the cloud.
	Roles     map[string]localcred.Key
	Functions map[string]*fcemu.Function // without Options.Scaling
	Pools     map[string]*fcemu.Pool     // with Options.Scaling
	handlers  map[string]http.Handler
	Bins      map[string]string // the function binaries, by function name
	Env       []string          // the functions' settings ("KEY=value"), as each function gets them

	closers []func() error
}

// Start builds what is missing and starts the stack. Close it when done.
func Start(ctx context.Context, o Options) (s *Stack, err error) {
	if o.Bucket == "" {
		o.Bucket = DefaultBucket
	}
	if o.Region == "" {
		o.Region = DefaultRegion
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s = &Stack{Bucket: o.Bucket, Region: o.Region, FunctionURLs: map[string]string{}, Functions: map[string]*fcemu.Function{},
		Pools: map[string]*fcemu.Pool{}, handlers: map[string]http.Handler{}}
	defer func() {
		if err != nil {
			s.Close()
			s = nil
		}
	}()

	bins := map[string]string{}
	for k, v := range o.Bins {
		bins[k] = v
	}
	if len(bins) < len(config.Functions) {
		dir, err := os.MkdirTemp("", "fc-oss-upload-bin-")
		if err != nil {
			return nil, err
		}
		s.closers = append(s.closers, func() error { return os.RemoveAll(dir) })
		built, err := Build(ctx, dir, false)
		if err != nil {
			return nil, err
		}
		for k, v := range built {
			if bins[k] == "" {
				bins[k] = v
			}
		}
	}

	s.Bins = bins

	origin, err := listen(o.OriginAddr)
	if err != nil {
		return nil, err
	}
	s.OriginURL = "http://" + origin.Addr().String()

	env := map[string]string{}
	creds := map[string]func() (string, string, string){}
	if o.Real {
		for _, kv := range os.Environ() {
			k, v, _ := strings.Cut(kv, "=")
			if strings.HasPrefix(k, "OSS_") || strings.HasPrefix(k, "CORS_") || strings.HasPrefix(k, "DEMO_") {
				env[k] = v
			}
		}
		id, secret, token := os.Getenv("ALIBABA_CLOUD_ACCESS_KEY_ID"), os.Getenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET"), os.Getenv("ALIBABA_CLOUD_SECURITY_TOKEN")
		if id == "" || secret == "" {
			return nil, errors.New("devstack: real mode needs ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (the credentials the functions use as their role)")
		}
		for _, fn := range config.Functions {
			creds[fn] = func() (string, string, string) { return id, secret, token }
		}
		s.Bucket, s.Region = env["OSS_BUCKET"], env["OSS_REGION"]
	} else {
		if err := s.startLocal(o, env); err != nil {
			return nil, err
		}
		for fn, k := range s.Roles {
			creds[fn] = func() (string, string, string) { return k.AccessKeyID, k.AccessKeySecret, k.SecurityToken }
		}
	}
	if o.Auth {
		idp, err := localidp.Start(localidp.Options{}) // the real clock, as the functions verify with it
		if err != nil {
			return nil, err
		}
		s.closers = append(s.closers, idp.Close)
		s.Issuer = idp
		env["AUTH_JWKS_URL"], env["AUTH_ISSUER"], env["AUTH_AUDIENCE"] = idp.JWKSURL, idp.URL, idp.Audience
		env["DEMO_TOKEN_URL"] = idp.TokenURL
	}
	for k, v := range o.Env {
		env[k] = v
	}
	for _, fn := range config.Functions {
		if _, err := config.Load(fn, func(k string) string { return env[k] }); err != nil {
			return nil, fmt.Errorf("devstack: %w", err)
		}
	}
	cfg, _ := config.Load(config.FunctionSTS, func(k string) string { return env[k] })
	s.Dir = cfg.Rules.Dir

	s.Bins = bins
	for k, v := range env {
		s.Env = append(s.Env, k+"="+v)
	}
	for _, fn := range config.Functions {
		vars := s.Env
		var authorize func(*http.Request) (map[string]string, error)
		if o.Authorize != nil {
			name := fn
			authorize = func(r *http.Request) (map[string]string, error) { return o.Authorize(name, r) }
		}
		fo := fcemu.Options{
			Binary: bins[fn], Env: vars, FunctionName: fn, Region: s.Region, Credentials: creds[fn],
			RoleEnv: !o.InvocationOnly, NoForwardedProto: o.NoForwardedProto, Timeout: o.Timeout, Stdout: o.FunctionOutput, Stderr: o.FunctionOutput,
			Logger: o.Logger.With("function", fn), Authorize: authorize, MemoryMB: 128, Concurrency: 20,
			Initializer: o.Initializer,
		}
		var h http.Handler
		if o.Scaling != nil {
			sc := *o.Scaling
			if n, ok := o.Provisioned[fn]; ok {
				sc.Provisioned = n
			}
			p, err := fcemu.StartPool(ctx, fo, sc)
			if err != nil {
				return nil, fmt.Errorf("devstack: starting %s: %w", fn, err)
			}
			s.closers = append(s.closers, p.Close)
			s.Pools[fn], h = p, p
		} else {
			f, err := fcemu.Start(ctx, fo)
			if err != nil {
				return nil, fmt.Errorf("devstack: starting %s: %w", fn, err)
			}
			s.closers = append(s.closers, f.Close)
			s.Functions[fn], h = f, f
		}
		s.handlers[fn] = h
		ln, err := listen(o.FunctionAddrs[fn])
		if err != nil {
			return nil, err
		}
		s.FunctionURLs[fn] = "http://" + ln.Addr().String()
		s.serve(ln, h)
	}
	s.serve(origin, s.originHandler())
	return s, nil
}

// startLocal starts the fake STS and the local OSS and sets the local settings.
func (s *Stack) startLocal(o Options, env map[string]string) error {
	dir := "uploads/"
	if d := o.Env["OSS_UPLOAD_DIR"]; d != "" {
		dir = d
	}
	s.Registry = localcred.NewRegistry()
	// Each function's role: temporary credentials (as FC hands a function its role's) bound to the
	// role's policy file, rendered as a deployment renders it.
	values := map[string][]string{"bucketName": {o.Bucket}, "uploadDir": {dir}, "region": {o.Region}, "uploadRoleArn": {LocalRoleARN}}
	s.Roles = map[string]localcred.Key{}
	for _, fn := range config.Functions {
		file := RolePolicyFiles[fn]
		if f := o.RoleFiles[fn]; f != "" {
			file = f
		}
		policy, err := renderPolicy(file, values)
		if err != nil {
			return err
		}
		k := localcred.Key{
			AccessKeyID: "STS.Local" + fn + "Role" + randomHex(4), AccessKeySecret: randomHex(16),
			SecurityToken: "local-" + fn + "-role-token-" + randomHex(16), IdentityPolicy: policy,
		}
		s.Registry.Put(k)
		s.Roles[fn] = k
	}
	uploadPolicy, err := renderPolicy("upload-role.json", values)
	if err != nil {
		return err
	}

	// The upload role trusts the sts function's role only (upload-role-trust.json).
	sts, err := fakests.New(fakests.Options{
		Registry: s.Registry, Now: o.Now, MaxSessionDuration: 12 * time.Hour, RateLimit: o.STSRateLimit,
		Roles: map[string]fakests.Role{LocalRoleARN: {
			Policy: string(uploadPolicy), Principals: []string{s.Roles[config.FunctionSTS].AccessKeyID},
		}},
		Logger: o.Logger.With("component", "fakests"),
	})
	if err != nil {
		return err
	}
	stsAddr, err := sts.Start()
	if err != nil {
		return err
	}
	s.closers = append(s.closers, sts.Close)
	s.STS, s.STSURL = sts, "http://"+stsAddr

	s.DataDir = o.DataDir
	if s.DataDir == "" {
		d, err := os.MkdirTemp("", "fc-oss-upload-data-")
		if err != nil {
			return err
		}
		s.closers = append(s.closers, func() error { return os.RemoveAll(d) })
		s.DataDir = d
	}
	ossOpts := localoss.Options{
		Dir: s.DataDir, Keys: s.Registry, Buckets: []string{o.Bucket}, Region: o.Region, Now: o.Now,
		PublicRead: true, Logger: o.Logger.With("component", "localoss"),
	}
	ossAddr := o.OSSAddr
	if ossAddr == "" {
		ossAddr = "127.0.0.1:0"
	}
	running, err := localoss.Listen(ossAddr, ossOpts)
	if err != nil {
		return err
	}
	s.closers = append(s.closers, running.Close)
	s.OSS, s.OSSURL = running.Server, running.URL

	env["OSS_BUCKET"] = o.Bucket
	env["OSS_REGION"] = o.Region
	env["OSS_ENDPOINT"] = s.OSSURL
	env["OSS_STS_ROLE_ARN"] = LocalRoleARN
	env["OSS_STS_ENDPOINT"] = s.STSURL
	env["DEMO_ALIOSS_URL"] = s.OriginURL + aliOSSVendored
	// The callback function trusts only the local OSS's key. With Callbacks, uploads call it back
	// through the origin, as OSS calls the custom domain.
	env["OSS_CALLBACK_TRUSTED_KEY_URLS"] = s.OSSURL + path.Dir(localoss.CallbackKeyPath) + "/"
	if o.Callbacks {
		env["OSS_CALLBACK_URL"] = s.OriginURL + CallbackPath
	}
	env["DEMO_UPPY_URL"] = s.OriginURL + UppyVendored + "6/"
	return nil
}

// RolePolicyFiles names each function's role policy in scripts/deploy/policies, as roles.ros.yaml
// attaches them (postsignature's role is the signer role).
var RolePolicyFiles = map[string]string{
	config.FunctionSTS:           "sts-function-role.json",
	config.FunctionPostSignature: "signer-function-role.json",
	config.FunctionPresignedURL:  "presignedurl-function-role.json",
	config.FunctionCallback:      "callback-function-role.json",
}

// renderPolicy renders a policy file of scripts/deploy/policies with the values of the placeholders
// it uses (deploy.Render, as a deployment renders it).
func renderPolicy(file string, values map[string][]string) ([]byte, error) {
	name := filepath.Join(Root(), "scripts", "deploy", "policies", file)
	text, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("devstack: role policy: %w", err)
	}
	used := map[string][]string{}
	for _, n := range deploy.Placeholders(text) {
		used[n] = values[n]
	}
	out, err := deploy.Render(name, text, used)
	if err != nil {
		return nil, fmt.Errorf("devstack: %w", err)
	}
	return out, nil
}

func (s *Stack) serve(ln net.Listener, h http.Handler) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	s.closers = append(s.closers, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		return srv.Shutdown(ctx)
	})
}

// originHandler routes by path like the fc3-domain custom domain, serves the ali-oss build the STS
// page loads locally, and an index of the demo pages.
func (s *Stack) originHandler() http.Handler {
	mux := http.NewServeMux()
	for _, fn := range config.Authorizers {
		mux.Handle("/"+fn+"/", s.handlers[fn])
	}
	mux.Handle("/get_sts_token_for_oss_upload", s.handlers[config.FunctionSTS])
	mux.Handle("/get_post_signature_for_oss_upload", s.handlers[config.FunctionPostSignature])
	mux.Handle("/get_presigned_url_for_oss_upload", s.handlers[config.FunctionPresignedURL])
	mux.Handle(CallbackPath, s.handlers[config.FunctionCallback])
	// Uppy Companion's S3 routes (multipart uploads) are presignedurl's.
	mux.Handle("/s3/", s.handlers[config.FunctionPresignedURL])
	mux.HandleFunc("GET "+aliOSSVendored, func(w http.ResponseWriter, r *http.Request) {
		mods, err := nodetools.Ensure()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/javascript; charset=utf-8")
		http.ServeFile(w, r, filepath.Join(mods, "ali-oss", "dist", "aliyun-oss-sdk.min.js"))
	})
	mux.HandleFunc("GET "+UppyVendored+"{major}/{file}", func(w http.ResponseWriter, r *http.Request) {
		pkg := map[string]string{"5": "uppy5", "6": "uppy"}[r.PathValue("major")]
		file := r.PathValue("file")
		if pkg == "" || (file != "uppy.min.js" && file != "uppy.min.css") {
			http.NotFound(w, r)
			return
		}
		mods, err := nodetools.Ensure()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		http.ServeFile(w, r, filepath.Join(mods, pkg, "dist", file))
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, indexPage)
	})
	return mux
}

const indexPage = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>fc-oss-upload local stack</title></head>
<body><main><h1>Direct uploads to OSS: local stack</h1>
<ul>
<li><a href="/sts/">STS temporary credentials (ali-oss, multipart)</a></li>
<li><a href="/postsignature/">V4 POST policy (form upload)</a></li>
<li><a href="/presignedurl/">V4 presigned PUT URL (multipart above 5 MiB)</a></li>
<li><a href="/presignedurl/uppy/">Uppy Dashboard (Uppy Companion S3 routes)</a></li>
</ul></main></body></html>
`

// Close stops everything, the functions first.
func (s *Stack) Close() error {
	var errs []error
	for i := len(s.closers) - 1; i >= 0; i-- {
		if err := s.closers[i](); err != nil {
			errs = append(errs, err)
		}
	}
	s.closers = nil
	return errors.Join(errs...)
}

func listen(addr string) (net.Listener, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	return net.Listen("tcp", addr)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
