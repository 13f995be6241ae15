// Command dev runs the bundle on this machine: the four handler binaries under the FC runtime-API
// emulator, a fake STS and a strict local OSS that calls the callback function after each upload,
// and one origin with the demo pages.
//
//	go run ./scripts/dev                      # local stack, pages at http://127.0.0.1:8080/
//	go run ./scripts/dev -set OSS_ALLOWED_CONTENT_TYPES=image/png,image/jpeg -set OSS_MAX_SIZE_BYTES=5000000
//	go run ./scripts/dev -webhook             # also print every upload's verified webhook
//	go run ./scripts/dev -auth                # per-user uploads: a local issuer, sign in on each page by name
//	go run ./scripts/dev -real                # against Alibaba Cloud: needs OSS_BUCKET, OSS_REGION,
//	                                          # OSS_STS_ROLE_ARN and ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET
//
// Ctrl-C stops everything.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/fc-oss-upload/fc-oss-upload/scripts/devstack"
	"github.com/fc-oss-upload/fc-oss-upload/shared/osscallback"
)

type settings map[string]string

func (s settings) String() string { return fmt.Sprint(map[string]string(s)) }
func (s settings) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("want KEY=VALUE, got %q", v)
	}
	s[k] = val
	return nil
}

func main() {
	env := settings{}
	addr := flag.String("addr", "127.0.0.1:8080", "listen address of the demo origin (pages and APIs)")
	ossAddr := flag.String("oss-addr", "127.0.0.1:9000", "listen address of the local OSS")
	data := flag.String("data", filepath.Join(devstack.Root(), ".localstack", "data"), "where the local OSS stores uploads")
	real := flag.Bool("real", false, "run the functions against Alibaba Cloud with the OSS_* settings and ALIBABA_CLOUD_* credentials of this environment")
	verbose := flag.Bool("v", false, "log every request of the emulator, the fake STS and the local OSS")
	webhook := flag.Bool("webhook", false, "start a local webhook receiver (WEBHOOK_URL, WEBHOOK_SECRET) that verifies and prints every upload's notification")
	auth := flag.Bool("auth", false, "per-user uploads: start a local OIDC-style issuer (JWKS and a token endpoint that signs in anyone by name) and make the functions verify its tokens")
	flag.Var(env, "set", "a function setting KEY=VALUE (repeatable), e.g. -set OSS_MAX_SIZE_BYTES=1048576")
	flag.Parse()

	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	fmt.Fprintln(os.Stderr, "building the functions (linux/amd64, static) and starting the stack...")
	opts := devstack.Options{
		OriginAddr: *addr, OSSAddr: *ossAddr, DataDir: *data, Env: env, Real: *real, Callbacks: true,
		Logger: logger, FunctionOutput: os.Stderr, Auth: *auth,
	}
	if !*real {
		if err := os.MkdirAll(*data, 0o755); err != nil {
			fmt.Fprintln(os.Stderr, "dev:", err)
			os.Exit(1)
		}
	}
	if *webhook {
		wh, err := devstack.StartWebhook("")
		if err != nil {
			fmt.Fprintln(os.Stderr, "dev:", err)
			os.Exit(1)
		}
		defer wh.Close()
		wh.OnEvent = func(id string, ev osscallback.Event) {
			b, _ := json.Marshal(ev)
			fmt.Printf("webhook %s verified: %s\n", id, b)
		}
		for k, v := range wh.Env() {
			if _, set := env[k]; !set {
				env[k] = v
			}
		}
		fmt.Fprintf(os.Stderr, "webhook receiver: %s\n", wh.URL)
	}
	s, err := devstack.Start(ctx, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "dev:", err)
		os.Exit(1)
	}
	defer s.Close()

	fmt.Printf("\nDemo pages (one origin, routed by path like the custom domain):\n")
	fmt.Printf("  %s/sts/            STS credentials + ali-oss (multipart)\n", s.OriginURL)
	fmt.Printf("  %s/postsignature/  V4 POST policy form upload\n", s.OriginURL)
	fmt.Printf("  %s/presignedurl/   V4 presigned PUT (multipart from 5 MiB)\n", s.OriginURL)
	fmt.Printf("  %s/presignedurl/uppy/  Uppy Dashboard through the Companion S3 routes\n", s.OriginURL)
	fmt.Printf("\nEach function's own HTTP trigger:\n")
	for _, fn := range []string{"sts", "postsignature", "presignedurl", "callback"} {
		fmt.Printf("  %-14s %s\n", fn, s.FunctionURLs[fn])
	}
	fmt.Printf("\nUpload callbacks: %s%s (the local OSS calls it after each upload)\n", s.OriginURL, devstack.CallbackPath)
	if *real {
		fmt.Printf("\nUploads go to bucket %s in %s (Alibaba Cloud), under %s\n", s.Bucket, s.Region, s.Dir)
	} else {
		fmt.Printf("\nLocal OSS: %s/%s (path-style), uploads under %s\n", s.OSSURL, s.Bucket, s.Dir)
		fmt.Printf("Stored in: %s\n", filepath.Join(s.DataDir, s.Bucket))
		fmt.Printf("Fake STS:  %s\n", s.STSURL)
	}
	if s.Issuer != nil {
		fmt.Printf("\nPer-user uploads: each page has a \"Signed in as\" field; every upload goes under %s<user>/.\n", s.Dir)
		fmt.Printf("Local issuer (test only, signs in anyone): %s\n", s.Issuer.URL)
		fmt.Printf("  JWKS %s, audience %s\n", s.Issuer.JWKSURL, s.Issuer.Audience)
		fmt.Printf("  a token by curl: curl -s -d user=alice %s\n", s.Issuer.TokenURL)
	}
	fmt.Printf("\nCtrl-C to stop.\n")
	<-ctx.Done()
	fmt.Fprintln(os.Stderr, "\nstopping...")
}
