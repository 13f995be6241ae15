package browsertest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// hooks records what the published clients report (they only log and alert).
const hooks = `(() => {
	window.__outcome = [];
	const show = x => typeof x === 'string' ? x : (x && x.res ? 'status ' + x.res.status : (x && x.status !== undefined ? 'status ' + x.status : String(x)));
	window.alert = m => window.__outcome.push('alert: ' + m);
	for (const level of ['log', 'error']) {
		const orig = console[level].bind(console);
		console[level] = (...a) => { window.__outcome.push(level + ': ' + a.map(show).join(' ')); orig(...a); };
	}
	window.addEventListener('unhandledrejection', e => window.__outcome.push('rejected: ' + ((e.reason && (e.reason.code || e.reason.message)) || e.reason)));
})()`

// runPublished opens the origin of the published stack, replaces the document with a published
// client from testdata (so that it calls the functions same-origin, as in Alibaba's sample apps),
// picks file, submits the form and returns what the client reported.
func runPublished(t *testing.T, page, file string) []string {
	t.Helper()
	html, err := os.ReadFile(filepath.Join("testdata", page))
	if err != nil {
		t.Fatal(err)
	}
	src, _ := json.Marshal(string(html))
	ctx := tab(t)
	do(t, ctx,
		chromedp.Navigate(published.OriginURL+"/"),
		chromedp.Evaluate[chromedp.Void](`document.open(); document.write(`+string(src)+`); document.close();`),
	)
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.readyState === 'complete' && !!document.querySelector('form #file')`,
		chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		t.Fatalf("loading %s: %v", page, err)
	}
	do(t, ctx,
		chromedp.Evaluate[chromedp.Void](hooks),
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{file}),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
	)
	out, err := chromedp.Run(ctx, chromedp.Poll[[]string](
		`window.__outcome.some(m => /^(alert|rejected|error):/.test(m) || /^log: status/.test(m)) && window.__outcome`,
		chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second)))
	if err != nil {
		t.Fatalf("waiting for the published client: %v", err)
	}
	screenshot(t, ctx, "published-"+strings.TrimSuffix(strings.TrimPrefix(page, "published_"), ".html"))
	return out
}

// TestPublishedClients runs the browser code Alibaba publishes for the three flows, unchanged
// but for placeholders, against the functions.
func TestPublishedClients(t *testing.T) {
	dir := t.TempDir()

	t.Run("sts", func(t *testing.T) {
		path, data := testFile(t, dir, "published-sts.png", 300_000)
		out := runPublished(t, "published_sts.html", path)
		if !contains(out, "log: status 200") {
			t.Fatalf("client reported %q", out)
		}
		stored(t, published, published.Dir+"published-sts.png", data)
	})

	t.Run("postsignature", func(t *testing.T) {
		path, data := testFile(t, dir, "published-post.png", 300_000)
		out := runPublished(t, "published_post.html", path)
		if !contains(out, "alert: File uploaded.") {
			t.Fatalf("client reported %q", out)
		}
		stored(t, published, published.Dir+"published-post.png", data)
	})

	t.Run("presignedurl", func(t *testing.T) {
		path, data := testFile(t, dir, "published-put.png", 300_000)
		before := keys(t, published)
		out := runPublished(t, "published_presigned.html", path)
		if !contains(out, "alert: File uploaded.") {
			t.Fatalf("client reported %q", out)
		}
		added := newKeys(t, published, before)
		if len(added) != 1 {
			t.Fatalf("new objects %v, want one", added)
		}
		stored(t, published, added[0], data)
		if _, meta, _ := published.OSS.Object(published.Bucket, added[0]); meta.ContentType != "image/png" {
			t.Errorf("stored as %q, want image/png", meta.ContentType)
		}
	})
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
