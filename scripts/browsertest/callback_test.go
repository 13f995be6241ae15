package browsertest

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// pngFile writes a w×h PNG, followed by pad bytes (still a w×h image to a decoder), to dir/name.
func pngFile(t *testing.T, dir, name string, w, h, pad int) (string, []byte) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(0, 0, color.Black)
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	b.Write(make([]byte, pad))
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, b.Bytes()
}

// TestCallbackShown uploads images on each page of the stack with callbacks on: under each upload
// the page shows the callback's answer (the image's dimensions) that OSS relayed, and the webhook
// receiver got exactly one verified notification per upload. The STS page sends ali-oss's callback
// option, for a simple put and for a multipart upload.
func TestCallbackShown(t *testing.T) {
	dir := t.TempDir()
	small, smallData := pngFile(t, dir, "photo.png", 64, 48, 0)
	large, largeData := pngFile(t, dir, "poster.png", 30, 20, 1_200_000)
	for _, fn := range flows {
		t.Run(fn, func(t *testing.T) {
			ctx := tab(t)
			do(t, ctx, chromedp.Navigate(pageURL(strict, fn)))
			files, want := []string{small}, map[string][]byte{"photo.png": smallData}
			if fn == "sts" {
				files, want["poster.png"] = append(files, large), largeData
			}
			items := upload(t, ctx, files...)
			screenshot(t, ctx, "callback-"+fn)
			dims := map[string]string{"photo.png": "64\u00d748 png", "poster.png": "30\u00d720 png"}
			for _, it := range items {
				if it.State != "done" {
					t.Fatalf("%s: %s: %s", it.Name, it.State, it.Error)
				}
				stored(t, strict, it.Key, want[it.Name])
				if it.Callback != "ok" || !strings.Contains(it.CbText, dims[it.Name]) {
					t.Errorf("%s: callback %q, line %q; want the dimensions %s", it.Name, it.Callback, it.CbText, dims[it.Name])
				}
				evs, rejected := webhooks.Events()
				n := 0
				for _, ev := range evs {
					if ev.Data.Key == it.Key {
						n++
						if ev.Data.Image == nil || ev.Data.Filename != it.Name {
							t.Errorf("%s: event %+v", it.Name, ev.Data)
						}
					}
				}
				if n != 1 || rejected != 0 {
					t.Errorf("%s: %d verified notifications (%d rejected), want exactly 1", it.Name, n, rejected)
				}
			}
			if fn == "sts" && len(items) == 2 && !strings.Contains(items[1].Phase, "parts") {
				t.Errorf("poster.png was not a multipart upload: %q", items[1].Phase)
			}
		})
	}
}
