package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/fc-oss-upload/fc-oss-upload/scripts/devstack"
)

// Multipart uploads through presignedurl: the presigned page's own multipart (parallel parts,
// retry, resume after a reload, cancel) and Uppy 5 and 6 driving the Uppy Companion S3 routes.

// interceptParts pauses the PUTs of the parts whose URL matches pattern and hands each to decide,
// which answers true to let it through or false to fail it as a lost connection; decide nil holds
// them until the tab closes.
func interceptParts(t *testing.T, ctx context.Context, pattern string, decide func(n int) bool) {
	t.Helper()
	if _, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: pattern}}}); err != nil {
		t.Fatal(err)
	}
	var seen atomic.Int32
	events := chromedp.Events(ctx, fetch.RequestPaused)
	go func() {
		for ev, err := range events {
			if err != nil {
				if ctx.Err() == nil {
					logf(t, "fetch events: %v", err)
				}
				return
			}
			// Commands go out from their own goroutines: the event loop must keep reading.
			id := ev.RequestID
			if ev.Request.Method != http.MethodPut {
				go chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: id})
				continue
			}
			n := int(seen.Add(1))
			switch {
			case decide == nil:
				// held
			case decide(n):
				go chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: id})
			default:
				go chromedp.Call(ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: id, ErrorReason: network.ErrorReasonConnectionFailed})
			}
		}
	}()
}

// TestPresignedMultipartRetry loses the connection of part 2 once: the page retries that part
// alone and the upload completes.
func TestPresignedMultipartRetry(t *testing.T) {
	dir := t.TempDir()
	// Text: the paused request's body travels as a JSON string, which binary bytes would break.
	file, data := testFile(t, dir, "retry.txt", 7_000_000) // 2 parts of at most 5 MiB
	ctx := tab(t)
	interceptParts(t, ctx, strict.OSSURL+"/*partNumber=2&*", func(n int) bool { return n > 1 })
	do(t, ctx, chromedp.Navigate(pageURL(strict, "presignedurl")))
	items := upload(t, ctx, file)
	if items[0].State != "done" || items[0].Phase != "Uploaded in 2 parts" {
		t.Fatalf("%+v", items[0])
	}
	if retries := eval[string](t, ctx, `document.querySelector('#uploads li').dataset.retries || ''`); retries != "1" {
		t.Errorf("retries %q, want 1", retries)
	}
	stored(t, strict, items[0].Key, data)
}

// TestPresignedMultipartResume fails part 2 every time, reloads the page, picks the same file
// again: the page lists the parts OSS holds through the function, sends part 2 only, completes.
func TestPresignedMultipartResume(t *testing.T) {
	dir := t.TempDir()
	file, data := testFile(t, dir, "resume.bin", 7_000_000)
	ctx := tab(t)
	block := blocker(t, ctx)
	// Blocked-URL patterns are URL patterns: the part number is matched in the query ("?" after a
	// literal is the query separator).
	block(strict.OSSURL + "/*.bin?partNumber=2&*")
	do(t, ctx, chromedp.Navigate(pageURL(strict, "presignedurl")))
	items := upload(t, ctx, file)
	if items[0].State != "error" || items[0].Code != "network" {
		t.Fatalf("with part 2 blocked: %+v", items[0])
	}
	if done := eval[string](t, ctx, `document.querySelector('#uploads li').dataset.partsDone || ''`); done != "1" {
		t.Fatalf("parts done before the reload: %q, want 1", done)
	}

	block()
	do(t, ctx, chromedp.Reload())
	items = upload(t, ctx, file)
	if items[0].State != "done" || items[0].Phase != "Uploaded in 2 parts (resumed)" {
		t.Fatalf("after reload: %+v", items[0])
	}
	if resumed := eval[string](t, ctx, `document.querySelector('#uploads li').dataset.resumed`); resumed != "1" {
		t.Errorf("resumed with %s parts done, want 1", resumed)
	}
	stored(t, strict, items[0].Key, data)
	if n := eval[int](t, ctx, `Object.keys(localStorage).filter(k => k.includes(':resume.bin:')).length`); n != 0 {
		t.Errorf("%d checkpoints left in localStorage after the upload", n)
	}
}

// TestPresignedMultipartCancel holds the parts in flight and presses Cancel: the page aborts the
// upload, which the function then no longer knows.
func TestPresignedMultipartCancel(t *testing.T) {
	dir := t.TempDir()
	file, _ := testFile(t, dir, "cancel.txt", 7_000_000)
	ctx := tab(t)
	interceptParts(t, ctx, strict.OSSURL+"/*partNumber=*", nil)
	do(t, ctx,
		chromedp.Navigate(pageURL(strict, "presignedurl")),
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{file}),
		chromedp.Click(chromedp.ID("upload")),
	)
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!!document.querySelector('#uploads li[data-upload-id] button.cancel')`,
		chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("no Cancel button: %v", err)
	}
	id := eval[string](t, ctx, `document.querySelector('#uploads li').dataset.uploadId`)
	key := eval[string](t, ctx, `document.querySelector('#uploads li').dataset.uploadKey`)
	do(t, ctx, chromedp.Click(chromedp.CSS(`#uploads li button.cancel`)))
	items := finished(t, ctx, 1)
	if items[0].State != "error" || items[0].Code != "cancelled" {
		t.Fatalf("%+v", items[0])
	}
	// The DELETE is sent as the page cancels; wait for the function to no longer know the upload.
	list := strict.OriginURL + "/s3/multipart/" + url.PathEscape(id) + "?key=" + url.QueryEscape(key)
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](fmt.Sprintf(`fetch(%q).then(r => r.status === 404)`, list),
		chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("upload %s still listed after Cancel: %v", id, err)
	}
	if n := eval[int](t, ctx, `Object.keys(localStorage).filter(k => k.includes(':cancel.txt:')).length`); n != 0 {
		t.Errorf("%d checkpoints left after Cancel", n)
	}
}

var (
	uppyOnce  sync.Once
	uppyStack *devstack.Stack
	uppyErr   error
)

// largeStack allows 64 MiB and any type: Uppy's large files are over the strict stack's limit.
// Its front sends no X-Forwarded-Proto, so the functions cannot know the page's scheme: Uppy's
// same-origin POSTs and DELETEs (which carry Origin) pass on the browser's Sec-Fetch-Site alone.
func largeStack(t *testing.T) *devstack.Stack {
	t.Helper()
	uppyOnce.Do(func() {
		uppyStack, uppyErr = devstack.Start(context.Background(), devstack.Options{Bins: strict.Bins, NoForwardedProto: true, Env: map[string]string{
			"OSS_MAX_SIZE_BYTES": fmt.Sprint(64 << 20), "OSS_FORBID_OVERWRITE": "true",
		}})
		if uppyErr == nil {
			go func() { <-browser.Done(); uppyStack.Close() }()
		}
	})
	if uppyErr != nil {
		t.Fatal(uppyErr)
	}
	return uppyStack
}

// uppyPage fetches the Uppy page of s, as its Uppy 6 tab loads it.
func uppyPage(t *testing.T, s *devstack.Stack) string {
	t.Helper()
	resp, err := http.Get(s.OriginURL + "/presignedurl/uppy/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	html, _ := io.ReadAll(resp.Body)
	return string(html)
}

// openUppy opens the Uppy page of s in a new tab with Uppy major ("6": the page as served; "5":
// the same page loading the Uppy 5 bundle) and waits for Uppy to start.
func openUppy(t *testing.T, s *devstack.Stack, html, major string) context.Context {
	t.Helper()
	ctx := tab(t)
	if major == "6" {
		do(t, ctx, chromedp.Navigate(s.OriginURL+"/presignedurl/uppy/"))
	} else {
		writePage(t, ctx, s.OriginURL+"/", strings.ReplaceAll(html, devstack.UppyVendored+"6/", devstack.UppyVendored+"5/"))
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[string](`window.uppy && document.body.dataset.uppyVersion`,
		chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		shown, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.title + ' | ' + (document.getElementById('status') || {}).textContent`))
		t.Fatalf("Uppy did not start: %v; page: %s", err, shown)
	}
	if v := eval[string](t, ctx, `document.body.dataset.uppyVersion`); !strings.HasPrefix(v, major+".") {
		t.Fatalf("Uppy %s loaded, want %s.x", v, major)
	}
	return ctx
}

// uppyRows waits until the page lists n uploads in state ("done" or "error") and returns them as
// [name, state, key, text].
func uppyRows(t *testing.T, ctx context.Context, state string, n int) [][4]string {
	t.Helper()
	out, err := chromedp.Run(ctx, chromedp.Poll[string](`(() => {
		const rows = [...document.querySelectorAll('#uploads li[data-state=`+state+`]')];
		return rows.length === `+fmt.Sprint(n)+` && JSON.stringify(rows.map(r => [r.dataset.name, r.dataset.state, r.dataset.key || '', r.textContent]));
	})()`, chromedp.WithPollingInterval(200*time.Millisecond), chromedp.WithPollingTimeout(60*time.Second)))
	if err != nil {
		all, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('uploads').textContent + ' | Uppy: ' + JSON.stringify(window.uppy.getFiles().map(f => [f.name, String(f.error || ''), f.meta.size]))`))
		t.Fatalf("waiting for %d %s uploads: %v; page lists: %s", n, state, err, all)
	}
	var rows [][4]string
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatal(err)
	}
	return rows
}

// uppyStored checks each done row's key is under dir and holds its file's bytes; a file over the
// part size went in parts, under a key that carries its size.
func uppyStored(t *testing.T, s *devstack.Stack, rows [][4]string, dir string, want map[string][]byte) {
	t.Helper()
	for _, r := range rows {
		name, state, key := r[0], r[1], r[2]
		if state != "done" || !strings.HasPrefix(key, dir) {
			t.Fatalf("%s: %v, want a key under %s", name, r, dir)
		}
		if n := len(want[name]); n > 5<<20 && !strings.HasSuffix(key, fmt.Sprintf("-%d%s", n, filepath.Ext(name))) {
			t.Errorf("%s (%d bytes) stored as %s, not under a multipart key carrying its size", name, n, key)
		}
		stored(t, s, key, want[name])
	}
}

// TestUppy uploads a small file (one signed form, /s3/params) and a 16 MiB file (4 presigned parts,
// each URL pinned to its part's length) with Uppy's Dashboard and @uppy/aws-s3, unchanged, for
// Uppy 6 (the demo page) and Uppy 5 (the same page loading the Uppy 5 bundle).
func TestUppy(t *testing.T) {
	s := largeStack(t)
	dir := t.TempDir()
	small, smallData := testFile(t, dir, "small.txt", 1000)
	large, largeData := testFile(t, dir, "large.bin", 16<<20+12345)
	want := map[string][]byte{"small.txt": smallData, "large.bin": largeData}
	html := uppyPage(t, s)
	for _, major := range []string{"6", "5"} {
		t.Run("uppy"+major, func(t *testing.T) {
			ctx := openUppy(t, s, html, major)
			do(t, ctx, chromedp.SetUploadFiles(chromedp.CSS(`input.uppy-Dashboard-input`), []string{small, large}))
			if n := eval[int](t, ctx, `window.uppy.getFiles().length`); n != 2 {
				t.Fatalf("Uppy has %d files", n)
			}
			do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.uppy.upload()`))
			rows := uppyRows(t, ctx, "done", 2)
			screenshot(t, ctx, "uppy"+major)
			uppyStored(t, s, rows, s.Dir, want)
		})
	}
}

// writePage replaces the document of a tab on origin with html, so that it runs same-origin.
func writePage(t *testing.T, ctx context.Context, origin, html string) {
	t.Helper()
	do(t, ctx,
		chromedp.Navigate(origin),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.open(); document.write(%s); document.close();`, jsString(html))),
	)
}
