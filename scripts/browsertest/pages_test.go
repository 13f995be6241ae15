package browsertest

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/fc-oss-upload/fc-oss-upload/scripts/build/fcbuild"
	"github.com/fc-oss-upload/fc-oss-upload/scripts/deploy"
	"github.com/fc-oss-upload/fc-oss-upload/scripts/devstack"
)

// flows are the demo pages, by function name.
var flows = []string{"sts", "postsignature", "presignedurl"}

// pageURL is the demo page of fn on s; the STS page uploads files of 1 MiB and more in 1 MiB parts.
func pageURL(s *devstack.Stack, fn string) string {
	return s.OriginURL + "/" + fn + "/?multipartThreshold=1048576&partSize=1048576"
}

// TestUpload uploads a small and a large file on each page and reads them back from the local OSS.
func TestUpload(t *testing.T) {
	dir := t.TempDir()
	small, smallData := testFile(t, dir, "notes.txt", 1000)
	large, largeData := testFile(t, dir, "archive.bin", 6_000_000)
	for _, fn := range flows {
		t.Run(fn, func(t *testing.T) {
			ctx := tab(t)
			do(t, ctx, chromedp.Navigate(pageURL(strict, fn)))
			items := upload(t, ctx, small, large)
			screenshot(t, ctx, "upload-"+fn)
			want := map[string][]byte{"notes.txt": smallData, "archive.bin": largeData}
			for _, it := range items {
				if it.State != "done" {
					t.Fatalf("%s: %s: %s", it.Name, it.State, it.Error)
				}
				if it.Progress != 100 || it.AriaNow != "100" {
					t.Errorf("%s: progress %d (aria-valuenow %q), want 100", it.Name, it.Progress, it.AriaNow)
				}
				if !strings.HasPrefix(it.Key, strict.Dir) {
					t.Errorf("%s: key %q is not under %s", it.Name, it.Key, strict.Dir)
				}
				stored(t, strict, it.Key, want[it.Name])
				if it.Name == "archive.bin" {
					// Real progress events, not just the final 100%.
					if it.Events < 1 {
						t.Errorf("%s: the page got no upload progress event", it.Name)
					}
					if fn == "sts" && (it.Phase != "Uploaded in 6 parts" || it.Events < 6) {
						t.Errorf("large file on the STS page: %q after %d progress events, want a multipart upload in 6 parts", it.Phase, it.Events)
					}
				}
			}
			_, meta, _ := strict.OSS.Object(strict.Bucket, items[0].Key)
			if !strings.HasPrefix(meta.ContentType, "text/plain") {
				t.Errorf("notes.txt stored as %q, want text/plain", meta.ContentType)
			}
			// The "read it back" link serves the bytes (the local OSS allows anonymous reads).
			resp, err := http.Get(items[0].Link)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 || !bytes.Equal(body, smallData) {
				t.Errorf("read-back link %s: %d, %d bytes", items[0].Link, resp.StatusCode, len(body))
			}
		})
	}
}

// TestRejected picks a file over the size limit and one of a type not allowed: the page shows why
// and nothing is stored.
func TestRejected(t *testing.T) {
	dir := t.TempDir()
	big, _ := testFile(t, dir, "too-big.bin", maxSize+1_000_000)
	html, _ := testFile(t, dir, "page.html", 1000)
	for _, fn := range []string{"postsignature", "presignedurl"} {
		t.Run(fn, func(t *testing.T) {
			ctx := tab(t)
			before := keys(t, strict)
			do(t, ctx, chromedp.Navigate(pageURL(strict, fn)))
			items := upload(t, ctx, big, html)
			screenshot(t, ctx, "rejected-"+fn)
			if items[0].State != "error" || !strings.Contains(items[0].Error, "larger than the limit of 8 MB") ||
				!strings.Contains(items[0].Error, "payload_too_large") {
				t.Errorf("too-big.bin: %s: %q", items[0].State, items[0].Error)
			}
			if items[1].State != "error" || !strings.Contains(items[1].Error, "type of file is not allowed") ||
				!strings.Contains(items[1].Error, "text/html is not allowed") {
				t.Errorf("page.html: %s: %q", items[1].State, items[1].Error)
			}
			if items[0].Retry || items[1].Retry {
				t.Error("a refused file offers Try again")
			}
			status := eval[string](t, ctx, `document.getElementById('status').textContent`)
			if !strings.Contains(status, "0 uploaded, 2 failed") {
				t.Errorf("status %q", status)
			}
			if k := newKeys(t, strict, before); len(k) > 0 {
				t.Errorf("stored %v", k)
			}
		})
	}
}

// TestExpired shifts the OSS clock past the authorization's expiry: the page shows OSS's own XML
// error message and what to do, and nothing is stored.
func TestExpired(t *testing.T) {
	dir := t.TempDir()
	small, data := testFile(t, dir, "late.txt", 1000)
	cases := []struct {
		fn, ossMessage string
		skew           time.Duration
	}{
		{"postsignature", "Invalid according to Policy: Policy expired.", 11 * time.Minute},
		{"presignedurl", "Request has expired.", 11 * time.Minute},
		{"sts", "The security token you provided has expired.", 16 * time.Minute},
	}
	for _, c := range cases {
		t.Run(c.fn, func(t *testing.T) {
			ctx := tab(t)
			before := keys(t, strict)
			do(t, ctx, chromedp.Navigate(pageURL(strict, c.fn)))
			if c.fn == "sts" {
				// The function must hold credentials before the clock moves: the fake STS would
				// refuse its AssumeRole as too skewed.
				resp, err := http.Get(strict.OriginURL + "/get_sts_token_for_oss_upload")
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
			}
			skew.Store(int64(c.skew))
			defer skew.Store(0)
			items := upload(t, ctx, small)
			skew.Store(0)
			screenshot(t, ctx, "expired-"+c.fn)
			if items[0].State != "error" || !strings.Contains(items[0].Error, "expired") || !strings.Contains(items[0].Error, c.ossMessage) {
				t.Errorf("%s: %q, want advice and OSS's message %q", items[0].State, items[0].Error, c.ossMessage)
			}
			if k := newKeys(t, strict, before); len(k) > 0 {
				t.Errorf("stored %v", k)
			}
			// With the clock right again, "Try again" gets a fresh authorization and succeeds.
			if !items[0].Retry {
				t.Fatal("no Try again button")
			}
			do(t, ctx, chromedp.Click(chromedp.CSS(".actions button")))
			// Wait for the row to leave the error state (an event, not a pause), then for it to finish.
			if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector('#uploads li').dataset.state !== 'error'`,
				chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(45*time.Second))); err != nil {
				t.Fatalf("try again: the row stayed in the error state: %v", err)
			}
			items = finished(t, ctx, 1)
			if items[0].State != "done" {
				t.Fatalf("try again: %s: %s", items[0].State, items[0].Error)
			}
			stored(t, strict, items[0].Key, data)
		})
	}
}

// TestSTSRefresh refreshes the credentials during a multipart upload (every 200 ms instead of a
// minute before Expiration): ali-oss signs the later parts with what refreshSTSToken returned.
func TestSTSRefresh(t *testing.T) {
	dir := t.TempDir()
	large, data := testFile(t, dir, "refresh.bin", 4_000_000)
	ctx := tab(t)
	do(t, ctx,
		chromedp.Navigate(pageURL(strict, "sts")+"&partSize=409600&stsRefreshMs=200"),
		chromedp.Evaluate[chromedp.Void](`(() => {
			const orig = window.fetch;
			window.__stsCalls = 0;
			window.fetch = (...a) => { if (String(a[0]).includes('/get_sts_token_for_oss_upload')) window.__stsCalls++; return orig(...a); };
		})()`),
	)
	items := upload(t, ctx, large)
	if items[0].State != "done" {
		t.Fatalf("%s: %s", items[0].State, items[0].Error)
	}
	stored(t, strict, items[0].Key, data)
	if n := eval[int](t, ctx, `window.__stsCalls`); n < 2 {
		t.Errorf("credentials fetched %d times during the upload, want refreshes", n)
	}
}

// blocker enables the network domain of tab ctx and returns a function that makes the tab fail
// every request matching one of patterns (Chrome's URL patterns; none: block nothing).
func blocker(t *testing.T, ctx context.Context) func(patterns ...string) {
	t.Helper()
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	return func(patterns ...string) {
		t.Helper()
		var p []*network.BlockPattern
		for _, s := range patterns {
			p = append(p, &network.BlockPattern{URLPattern: s, Block: true})
		}
		if _, err := chromedp.Call(ctx, network.SetBlockedURLs, network.SetBlockedURLsParams{URLPatterns: p}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSTSResume loses the connection when the multipart upload completes, reloads the page, picks
// the same file again and finishes from the checkpoint the page kept: no part is sent twice.
func TestSTSResume(t *testing.T) {
	dir := t.TempDir()
	large, data := testFile(t, dir, "resume.bin", 3_000_000)
	ctx := tab(t)
	// CompleteMultipartUpload is POST <object>?uploadId=...; parts also carry partNumber.
	block := blocker(t, ctx)
	block(strict.OSSURL + "/*.bin?uploadId=*") // a "?" right after "*" would be a modifier
	do(t, ctx, chromedp.Navigate(pageURL(strict, "sts")))
	items := upload(t, ctx, large)
	if items[0].State != "error" || items[0].Code != "network" {
		t.Fatalf("with CompleteMultipartUpload blocked: %+v", items[0])
	}
	parts := items[0].Events

	block()
	do(t, ctx, chromedp.Reload())
	items = upload(t, ctx, large)
	if items[0].State != "done" || items[0].Phase != "Uploaded in 3 parts (resumed)" {
		t.Fatalf("after reload: %+v", items[0])
	}
	if resumed := eval[string](t, ctx, `document.querySelector('#uploads li').dataset.resumed`); resumed != "3" {
		t.Errorf("resumed with %s parts done, want 3 (first attempt saw %d progress events)", resumed, parts)
	}
	stored(t, strict, items[0].Key, data)
	if n := eval[int](t, ctx, `localStorage.length`); n != 0 {
		t.Errorf("%d checkpoints left in localStorage after the upload", n)
	}
}

// TestNetworkError blocks the OSS endpoint in the browser: the page explains the CORS rule.
func TestNetworkError(t *testing.T) {
	dir := t.TempDir()
	small, _ := testFile(t, dir, "blocked.txt", 1000)
	for _, fn := range flows {
		t.Run(fn, func(t *testing.T) {
			ctx := tab(t)
			if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
				t.Fatal(err)
			}
			if _, err := chromedp.Call(ctx, network.SetBlockedURLs, network.SetBlockedURLsParams{
				URLPatterns: []*network.BlockPattern{{URLPattern: strict.OSSURL + "/*", Block: true}},
			}); err != nil {
				t.Fatal(err)
			}
			do(t, ctx, chromedp.Navigate(pageURL(strict, fn)))
			items := upload(t, ctx, small)
			if items[0].State != "error" || !strings.Contains(items[0].Error, "CORS rule must allow this origin") ||
				!strings.Contains(items[0].Error, "expose the ETag header") {
				t.Errorf("%s: %q", items[0].State, items[0].Error)
			}
			// Row 5 of issue 14: the page shows the exact rule (scripts/deploy/bucket-cors.xml for its
			// own origin) and the command that applies it to the bucket.
			fix := eval[string](t, ctx, `(document.querySelector('#uploads li .error pre.fix') || {}).textContent || ''`)
			checkCORSFix(t, fix, eval[string](t, ctx, `location.origin`), strict.Bucket)
			// The failed URL is named by its host only: a presigned URL carries its signature and token.
			shown := eval[string](t, ctx, `document.body.innerText`)
			for _, secret := range []string{"signature=", "security-token=", "Signature=", "x-oss-credential="} {
				if strings.Contains(shown, secret) {
					t.Errorf("the page shows a signed URL (%s):\n%s", secret, shown)
				}
			}
		})
	}
}

// checkCORSFix: the fix a page shows holds a CORS configuration equal to scripts/deploy/bucket-cors.xml
// rendered for origin, and the ossutil command for bucket.
func checkCORSFix(t *testing.T, fix, origin, bucket string) {
	t.Helper()
	start, end := strings.Index(fix, "<?xml"), strings.Index(fix, "</CORSConfiguration>")
	if start < 0 || end < start {
		t.Fatalf("the page shows no CORS rule:\n%s", fix)
	}
	shown := fix[start : end+len("</CORSConfiguration>")]
	root, err := fcbuild.FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := os.ReadFile(filepath.Join(root, "scripts", "deploy", "bucket-cors.xml"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := deploy.Render("bucket-cors.xml", tmpl, map[string][]string{"allowedOrigin": {origin}})
	if err != nil {
		t.Fatal(err)
	}
	a, err := xmlContent([]byte(shown))
	if err != nil {
		t.Fatalf("the shown rule is not XML: %v\n%s", err, shown)
	}
	b, err := xmlContent(want)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("the page's rule differs from scripts/deploy/bucket-cors.xml for %s:\npage: %v\nfile: %v", origin, a, b)
	}
	if cmd := "ossutil cors --method put oss://" + bucket + " cors.xml"; !strings.Contains(fix, cmd) {
		t.Errorf("the page does not show %q:\n%s", cmd, fix)
	}
}

// xmlContent returns an XML document as nested [name, text, children] lists, ignoring comments,
// processing instructions and surrounding whitespace, so that two documents compare by content.
func xmlContent(b []byte) (any, error) {
	d := xml.NewDecoder(bytes.NewReader(b))
	var walk func(start xml.StartElement) (any, error)
	walk = func(start xml.StartElement) (any, error) {
		var kids []any
		var text strings.Builder
		for {
			tok, err := d.Token()
			if err != nil {
				return nil, err
			}
			switch tk := tok.(type) {
			case xml.StartElement:
				c, err := walk(tk)
				if err != nil {
					return nil, err
				}
				kids = append(kids, c)
			case xml.CharData:
				text.Write(tk)
			case xml.EndElement:
				return []any{start.Name.Local, strings.TrimSpace(text.String()), kids}, nil
			}
		}
	}
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, err
		}
		if se, ok := tok.(xml.StartElement); ok {
			return walk(se)
		}
	}
}

// TestPhoneLayout renders a page 375 px wide: nothing overflows sideways.
func TestPhoneLayout(t *testing.T) {
	dir := t.TempDir()
	small, _ := testFile(t, dir, "a-rather-long-file-name-from-a-phone-camera-20240101-123456.txt", 1000)
	html, _ := testFile(t, dir, "page.html", 100)
	ctx := tab(t)
	do(t, ctx,
		chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait),
		chromedp.Navigate(pageURL(strict, "presignedurl")),
	)
	items := upload(t, ctx, small, html)
	screenshot(t, ctx, "phone-presignedurl")
	if items[0].State != "done" || items[1].State != "error" {
		t.Fatalf("items %+v", items)
	}
	if w := eval[int](t, ctx, `document.documentElement.scrollWidth`); w > 375 {
		t.Errorf("page is %d px wide at a 375 px viewport", w)
	}
}

// TestAccessibility checks names, keyboard order, the live region and text contrast.
func TestAccessibility(t *testing.T) {
	dir := t.TempDir()
	small, _ := testFile(t, dir, "ok.txt", 100)
	html, _ := testFile(t, dir, "page.html", 100)
	ctx := tab(t)
	do(t, ctx, chromedp.Navigate(pageURL(strict, "postsignature")))
	upload(t, ctx, small, html) // so that success, error and retry are on the page too

	unnamed := eval[[]string](t, ctx, `[...document.querySelectorAll('input, button, progress, a, select, textarea')]
		.filter(e => !((e.labels && e.labels.length) || e.getAttribute('aria-label') || e.textContent.trim()))
		.map(e => e.outerHTML)`)
	if len(unnamed) > 0 {
		t.Errorf("controls without an accessible name: %v", unnamed)
	}
	if live := eval[string](t, ctx, `document.getElementById('status').getAttribute('aria-live')`); live != "polite" {
		t.Errorf("status aria-live %q", live)
	}
	if lang := eval[string](t, ctx, `document.documentElement.lang`); lang == "" {
		t.Error("no lang on <html>")
	}

	// Keyboard: Tab reaches the file picker, then the Upload button, and focus is visible.
	do(t, ctx, chromedp.Click(chromedp.CSS("h1")), chromedp.KeyEvent(kb.Tab))
	if id := eval[string](t, ctx, `document.activeElement.id`); id != "file" {
		t.Errorf("first Tab focuses %q, want the file input", id)
	}
	do(t, ctx, chromedp.KeyEvent(kb.Tab))
	if id := eval[string](t, ctx, `document.activeElement.id`); id != "upload" {
		t.Errorf("second Tab focuses %q, want the Upload button", id)
	}
	if o := eval[string](t, ctx, `getComputedStyle(document.activeElement).outlineStyle`); o == "none" {
		t.Error("the focused button shows no outline")
	}

	// WCAG contrast of text against its effective background: at least 4.5:1.
	low := eval[[]string](t, ctx, `(() => {
		const rgb = s => s.match(/[\d.]+/g).map(Number);
		const lum = c => { const v = c.slice(0, 3).map(x => { x /= 255; return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; });
			return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
		const bg = e => { for (; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor); if (c.length < 4 || c[3] > 0) return c; } return [255, 255, 255]; };
		const out = [];
		for (const sel of ['h1', '.flow', '.summary', 'label', '.help', '#upload', '#status', '.name', '.size', '.meta', '.result', 'code.key', 'a.readback', '.error strong', '.error .detail', 'button.secondary', 'summary']) {
			for (const e of document.querySelectorAll(sel)) {
				const a = lum(rgb(getComputedStyle(e).color)), b = lum(bg(e));
				const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
				if (ratio < 4.5) out.push(sel + ': ' + ratio.toFixed(2));
			}
		}
		return out;
	})()`)
	if len(low) > 0 {
		t.Errorf("text below 4.5:1 contrast: %v", low)
	}
}

// TestDocScreenshot takes the screenshot the README shows: one page with a small upload, a
// multipart-sized one and a refused file. With -update-doc it replaces templates/doc/screenshot.png.
func TestDocScreenshot(t *testing.T) {
	dir := t.TempDir()
	a, _ := testFile(t, dir, "report.txt", 24_000)
	b, _ := testFile(t, dir, "dataset.bin", 3_500_000)
	c, _ := testFile(t, dir, "index.html", 2_000)
	ctx := tab(t)
	do(t, ctx,
		chromedp.EmulateViewport(900, 700),
		chromedp.Navigate(pageURL(strict, "postsignature")),
	)
	items := upload(t, ctx, a, b, c)
	if items[0].State != "done" || items[1].State != "done" || items[2].State != "error" {
		t.Fatalf("items %+v", items)
	}
	path := screenshot(t, ctx, "demo-postsignature")
	if *updateDoc {
		png, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		doc := filepath.Join(devstack.Root(), "templates", "doc", "screenshot.png")
		if err := os.MkdirAll(filepath.Dir(doc), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(doc, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
