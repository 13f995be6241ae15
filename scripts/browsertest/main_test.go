package browsertest

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/fc-oss-upload/fc-oss-upload/scripts/devstack"
	"github.com/fc-oss-upload/fc-oss-upload/scripts/fcemu"
)

// chromiumPath is Debian's chromium, which scripts/test installs.
const chromiumPath = "/usr/bin/chromium"

// Limits of the strict stack.
const (
	maxSize      = 8_000_000
	allowedTypes = "text/plain,application/octet-stream,image/png"
)

var (
	updateDoc = flag.Bool("update-doc", false, "copy the demo screenshot to templates/doc/screenshot.png")

	// strict has size and type limits and forbids overwrites: what the demo pages are tested on.
	strict *devstack.Stack
	// webhooks receives strict's upload notifications (its callback function's webhooks).
	webhooks *devstack.Webhook
	// published runs with the settings the README names for Alibaba's published clients: no type
	// list, image/png signed when the client names no type (the published presign client sends it),
	// and the three opt-outs those clients need because they send only fixed fields and headers:
	// no overwrite protection, no size limit (their presign call names no size), active content
	// stored as sent (their form sends no Content-Disposition).
	published *devstack.Stack
	// skew shifts the clock of both local OSSes and fake STSes, to expire authorizations.
	skew atomic.Int64
	// bins are the functions, built once for every stack of the tests.
	bins map[string]string
	// browser is the chromium every test opens its tabs in.
	browser context.Context
	// outDir is where screenshots go: testout/browsertest at the repository root.
	outDir string
)

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if _, err := os.Stat(chromiumPath); err != nil {
		fmt.Fprintf(os.Stderr, "browsertest: %s is missing: run scripts/test, which installs Debian's chromium (apt-get install chromium)\n", chromiumPath)
		return 1
	}
	ctx := context.Background()
	outDir = filepath.Join(devstack.Root(), "testout", "browsertest")
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "browsertest:", err)
		return 1
	}

	// Build the binaries once for both stacks.
	binDir, err := os.MkdirTemp("", "browsertest-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "browsertest:", err)
		return 1
	}
	defer os.RemoveAll(binDir)
	bins, err = devstack.Build(ctx, binDir, false)
	if err != nil {
		fmt.Fprintln(os.Stderr, "browsertest:", err)
		return 1
	}
	now := func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	// BROWSERTEST_RUNTIME=custom runs the functions as on a custom runtime (the binary's HTTP entry)
	// instead of go1: both entries must pass the same browser tests.
	var scaling *fcemu.Scaling
	if os.Getenv("BROWSERTEST_RUNTIME") == fcemu.RuntimeCustom {
		scaling = &fcemu.Scaling{Runtime: fcemu.RuntimeCustom, InstanceConcurrency: 20, MaxInstances: 1}
		fmt.Fprintln(os.Stderr, "browsertest: functions on the custom runtime")
	}
	if webhooks, err = devstack.StartWebhook(""); err != nil {
		fmt.Fprintln(os.Stderr, "browsertest:", err)
		return 1
	}
	defer webhooks.Close()
	strictEnv := map[string]string{
		"OSS_MAX_SIZE_BYTES":        fmt.Sprint(maxSize),
		"OSS_ALLOWED_CONTENT_TYPES": allowedTypes,
		"OSS_FORBID_OVERWRITE":      "true",
		"OSS_STS_DURATION_SECONDS":  "900",
	}
	for k, v := range webhooks.Env() {
		strictEnv[k] = v
	}
	strict, err = devstack.Start(ctx, devstack.Options{Bins: bins, Now: now, Scaling: scaling, Env: strictEnv, Callbacks: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, "browsertest:", err)
		return 1
	}
	defer strict.Close()
	published, err = devstack.Start(ctx, devstack.Options{Bins: bins, Now: now, Scaling: scaling, Env: map[string]string{
		"OSS_DEFAULT_CONTENT_TYPE": "image/png",
		"OSS_FORBID_OVERWRITE":     "false",
		"OSS_MAX_SIZE_BYTES":       "0",
		"OSS_ALLOW_ACTIVE_CONTENT": "true",
	}}) // no callbacks: Alibaba's published form client sends only the fields it knows
	if err != nil {
		fmt.Fprintln(os.Stderr, "browsertest:", err)
		return 1
	}
	defer published.Close()

	profile, err := os.MkdirTemp("", "browsertest-chromium-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "browsertest:", err)
		return 1
	}
	defer os.RemoveAll(profile)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1200, 900),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("no-proxy-server", true),
	)
	defer cancelAlloc()
	var cancelBrowser context.CancelFunc
	browser, cancelBrowser = chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	if err := chromedp.Do(browser); err != nil {
		fmt.Fprintf(os.Stderr, "browsertest: starting %s: %v\n", chromiumPath, err)
		return 1
	}
	return m.Run()
}

// tab opens a new tab that logs the page's console and exceptions to t, and closes with the test.
func tab(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancelTimeout)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	console := chromedp.Events(ctx, runtime.ConsoleAPICalled)
	exceptions := chromedp.Events(ctx, runtime.ExceptionThrown)
	go func() {
		for ev, err := range console {
			if err != nil {
				return
			}
			var args []string
			for _, a := range ev.Args {
				if a.Value != nil {
					args = append(args, string(a.Value))
				} else {
					args = append(args, a.Description)
				}
			}
			logf(t, "console.%s: %s", ev.Type, strings.Join(args, " "))
		}
	}()
	go func() {
		for ev, err := range exceptions {
			if err != nil {
				return
			}
			d := ev.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			logf(t, "exception: %s", msg)
		}
	}()
	return ctx
}

// logf logs unless the test is over (events may still arrive while the tab closes).
func logf(t *testing.T, format string, args ...any) {
	defer func() { recover() }()
	t.Logf(format, args...)
}

// do runs actions and fails the test on error.
func do(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatal(err)
	}
}

// eval evaluates a JavaScript expression and decodes its value.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// testFile writes size pseudo-random bytes (seeded by name) to a file in dir.
func testFile(t *testing.T, dir, name string, size int) (string, []byte) {
	t.Helper()
	var seed [32]byte
	copy(seed[:], name)
	r := rand.NewChaCha8(seed)
	data := make([]byte, size)
	r.Read(data)
	if strings.HasSuffix(name, ".txt") || strings.HasSuffix(name, ".html") {
		for i := range data {
			data[i] = 'a' + data[i]%26
		}
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, data
}

// item is one file's row on a demo page, as the test reads it.
type item struct {
	Name     string `json:"name"`
	State    string `json:"state"` // waiting, uploading, done, error
	Key      string `json:"key"`
	Code     string `json:"code"`
	Progress int    `json:"progress"`
	AriaNow  string `json:"ariaNow"`
	Phase    string `json:"phase"`
	Error    string `json:"error"`
	Link     string `json:"link"`
	Events   int    `json:"events"`   // upload progress events the page received
	Retry    bool   `json:"retry"`    // the row offers "Try again"
	Callback string `json:"callback"` // "ok" (the callback's answer is shown), "failed" or ""
	CbText   string `json:"cbText"`   // the callback line under the upload
}

// upload picks files on the demo page open in ctx, presses Upload and waits until every file is
// done or has failed.
func upload(t *testing.T, ctx context.Context, files ...string) []item {
	t.Helper()
	do(t, ctx,
		chromedp.SetUploadFiles(chromedp.ID("file"), files),
		chromedp.Click(chromedp.ID("upload")),
	)
	return finished(t, ctx, len(files))
}

// finished waits until the page lists n files, each done or failed, and returns them.
func finished(t *testing.T, ctx context.Context, n int) []item {
	t.Helper()
	expr := fmt.Sprintf(`(() => {
		const rows = [...document.querySelectorAll('#uploads li')];
		if (rows.length !== %d || !rows.every(r => r.dataset.state === 'done' || r.dataset.state === 'error')) return false;
		return JSON.stringify(rows.map(r => ({
			name: r.querySelector('.name').textContent,
			state: r.dataset.state,
			key: r.dataset.key || '',
			code: r.dataset.code || '',
			progress: r.querySelector('progress').value,
			ariaNow: r.querySelector('progress').getAttribute('aria-valuenow') || '',
			phase: r.querySelector('.phase').textContent,
			error: (r.querySelector('.error') || {}).textContent || '',
			link: (r.querySelector('a.readback') || {}).href || '',
			events: Number(r.dataset.progressEvents || 0),
			retry: !!r.querySelector('.actions button'),
			callback: r.dataset.callback || '',
			cbText: (r.querySelector('.callback') || {}).textContent || '',
		})));
	})()`, n)
	out, err := chromedp.Run(ctx, chromedp.Poll[string](expr, chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(45*time.Second)))
	if err != nil {
		status, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('uploads').innerText`))
		t.Fatalf("waiting for the uploads to finish: %v\npage shows:\n%s", err, status)
	}
	var items []item
	if err := json.Unmarshal([]byte(out), &items); err != nil {
		t.Fatal(err)
	}
	return items
}

// screenshot saves the whole page to testout/browsertest/name.png and returns the path.
func screenshot(t *testing.T, ctx context.Context, name string) string {
	t.Helper()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(outDir, name+".png")
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// stored checks that key holds exactly want in the stack's local OSS.
func stored(t *testing.T, s *devstack.Stack, key string, want []byte) {
	t.Helper()
	got, _, err := s.OSS.Object(s.Bucket, key)
	if err != nil {
		t.Fatalf("object %q: %v", key, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("object %q: %d bytes stored, want %d identical bytes", key, len(got), len(want))
	}
}

// keys lists the objects in the stack's bucket.
func keys(t *testing.T, s *devstack.Stack) map[string]bool {
	t.Helper()
	list, err := s.OSS.ListKeys(s.Bucket)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]bool{}
	for _, k := range list {
		m[k] = true
	}
	return m
}

// newKeys returns the keys in s that are not in before.
func newKeys(t *testing.T, s *devstack.Stack, before map[string]bool) []string {
	t.Helper()
	var out []string
	for k := range keys(t, s) {
		if !before[k] {
			out = append(out, k)
		}
	}
	return out
}
