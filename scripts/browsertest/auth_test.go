package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fc-oss-upload/fc-oss-upload/scripts/devstack"
	"github.com/fc-oss-upload/fc-oss-upload/shared/userauth"
)

// signIn signs in on the page open in ctx as user, with the local issuer's name field.
func signIn(t *testing.T, ctx context.Context, user string) {
	t.Helper()
	do(t, ctx,
		chromedp.SetValue(chromedp.ID("signin-user"), user),
		chromedp.Click(chromedp.ID("signin-button")),
	)
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`(w => w.dataset.user === `+jsString(user)+` && !w.classList.contains('problem'))(document.getElementById('whoami'))`,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		who, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('whoami').textContent`))
		t.Fatalf("signing in as %s: %v (page says %q)", user, err, who)
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestPerUserPages signs in as two users on each demo page (per-user mode, local issuer): each
// one's uploads land under their own prefix, an upload before signing in is refused with advice,
// and one user's STS credentials, used from the page with ali-oss, cannot write into the other's
// prefix.
func TestPerUserPages(t *testing.T) {
	s, err := devstack.Start(context.Background(), devstack.Options{Bins: bins, Auth: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	dir := t.TempDir()
	users := []string{"alice", "张三"}
	for _, fn := range flows {
		t.Run(fn, func(t *testing.T) {
			ctx := tab(t)
			do(t, ctx, chromedp.Navigate(pageURL(s, fn)))
			path, _ := testFile(t, dir, fn+"-anon.txt", 100)
			if items := upload(t, ctx, path); items[0].State != "error" || items[0].Code != "unauthenticated" || !strings.Contains(items[0].Error, "Sign in first") {
				t.Fatalf("upload before signing in: %+v", items[0])
			}
			for i, user := range users {
				signIn(t, ctx, user)
				path, data := testFile(t, dir, fn+"-"+user+".txt", 2000)
				items := finishedAfter(t, ctx, path, i+2)
				it := items[len(items)-1]
				prefix := s.Dir + userauth.Segment(user) + "/"
				if it.State != "done" || !strings.HasPrefix(it.Key, prefix) {
					t.Fatalf("%s's upload: %s %q (%s), want a key under %s", user, it.State, it.Key, it.Error, prefix)
				}
				stored(t, s, it.Key, data)
			}
			screenshot(t, ctx, "per-user-"+fn)
		})
	}

	t.Run("sts credentials stay in their prefix", func(t *testing.T) {
		ctx := tab(t)
		do(t, ctx, chromedp.Navigate(pageURL(s, "sts")))
		signIn(t, ctx, "alice")
		// The page's own token and ali-oss build; alice's credentials, then bob's prefix.
		out, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(async () => {
			const a = JSON.parse(sessionStorage.getItem('oss-upload-auth'));
			const r = await fetch('/get_sts_token_for_oss_upload', { headers: { Authorization: 'Bearer ' + a.token } });
			const c = await r.json();
			const client = new OSS({ region: 'oss-' + c.Region, bucket: c.Bucket, accessKeyId: c.AccessKeyId,
				accessKeySecret: c.AccessKeySecret, stsToken: c.SecurityToken, endpoint: c.Endpoint, sldEnable: true, secure: false });
			const put = async (key) => { try { await client.put(key, new Blob(['x'])); return 'ok'; } catch (e) { return e.code || String(e); } };
			return JSON.stringify({ dir: c.Dir, own: await put(c.Dir + 'own.txt'), other: await put('`+s.Dir+userauth.Segment("bob")+`/theirs.txt'),
				shared: await put('`+s.Dir+`shared.txt') });
		})()`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		var got struct{ Dir, Own, Other, Shared string }
		json.Unmarshal([]byte(out), &got)
		if got.Dir != s.Dir+"alice/" || got.Own != "ok" || got.Other != "AccessDenied" || got.Shared != "AccessDenied" {
			t.Fatalf("alice's credentials: %s", out)
		}
		if keys(t, s)[s.Dir+"bob/theirs.txt"] {
			t.Fatal("alice's credentials stored an object in bob's prefix")
		}
	})
}

// finishedAfter uploads path on the page and waits until the page lists n finished files.
func finishedAfter(t *testing.T, ctx context.Context, path string, n int) []item {
	t.Helper()
	do(t, ctx,
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{path}),
		chromedp.Click(chromedp.ID("upload")),
	)
	return finished(t, ctx, n)
}

// TestPerUserUppy runs the Uppy page in per-user mode with Uppy 6 and Uppy 5: before signing in,
// both files fail and the page says to sign in; after signing in (the same form as the other
// pages), Retry sends the user's token to the Companion routes (Uppy 5's headers option, Uppy 6
// through the page's fetch) and a small file (/s3/params) and a 6 MB one (two pinned parts) land
// under that user's prefix with the same bytes.
func TestPerUserUppy(t *testing.T) {
	s, err := devstack.Start(context.Background(), devstack.Options{Bins: bins, Auth: true, Env: map[string]string{
		"OSS_MAX_SIZE_BYTES": fmt.Sprint(16 << 20),
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	dir := t.TempDir()
	html := uppyPage(t, s)
	for major, user := range map[string]string{"6": "alice", "5": "张三"} {
		t.Run("uppy"+major, func(t *testing.T) {
			small, smallData := testFile(t, dir, "small"+major+".txt", 1000)
			large, largeData := testFile(t, dir, "large"+major+".bin", 6_000_000)
			ctx := openUppy(t, s, html, major)
			before := keys(t, s)
			do(t, ctx,
				chromedp.SetUploadFiles(chromedp.CSS(`input.uppy-Dashboard-input`), []string{small, large}),
				chromedp.Evaluate[chromedp.Void](`window.uppy.upload()`),
			)
			for _, r := range uppyRows(t, ctx, "error", 2) {
				if !strings.Contains(r[3], "Sign in first") {
					t.Fatalf("upload before signing in: %v", r)
				}
			}
			if added := newKeys(t, s, before); len(added) != 0 {
				t.Fatalf("stored before signing in: %v", added)
			}
			signIn(t, ctx, user)
			do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.uppy.retryAll()`))
			rows := uppyRows(t, ctx, "done", 2)
			screenshot(t, ctx, "per-user-uppy"+major)
			uppyStored(t, s, rows, s.Dir+userauth.Segment(user)+"/", map[string][]byte{
				filepath.Base(small): smallData, filepath.Base(large): largeData,
			})
		})
	}
}
