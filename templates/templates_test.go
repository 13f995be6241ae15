package templates

import (
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/fc-oss-upload/fc-oss-upload/internal/nodetools"
	"github.com/fc-oss-upload/fc-oss-upload/shared/config"
)

const cdn = "https://gosspublic.alicdn.com/aliyun-oss-sdk-6.23.0.min.js"

func render(t *testing.T, d PageData) string {
	t.Helper()
	b, err := Page(d)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestPages(t *testing.T) {
	for fn, f := range flows {
		t.Run(fn, func(t *testing.T) {
			page := render(t, PageData{Function: fn, AliOSSURL: cdn})
			for _, want := range []string{
				`<meta name="viewport" content="width=device-width, initial-scale=1">`,
				`<html lang="en">`,
				`data-flow="` + fn + `"`,
				`data-api="` + f.API + `"`,
				`<label for="file">`,
				`<input id="file" name="file" type="file" multiple`,
				`<button id="upload" class="primary" type="submit">`,
				`role="status" aria-live="polite"`,
				f.Title,
			} {
				if !strings.Contains(page, want) {
					t.Errorf("page lacks %s", want)
				}
			}
			scripts := regexp.MustCompile(`<script src="([^"]*)"`).FindAllStringSubmatch(page, -1)
			if fn == "sts" {
				if len(scripts) != 1 || scripts[0][1] != cdn {
					t.Errorf("sts page loads %v, want only ali-oss from %s", scripts, cdn)
				}
			} else if len(scripts) != 0 {
				t.Errorf("%s page loads %v, want no external script", fn, scripts)
			}
			// Nothing else is fetched from elsewhere: no stylesheet, font, image or frame.
			if m := regexp.MustCompile(`<(link|img|iframe)\b|@import|url\(`).FindString(page); m != "" {
				t.Errorf("page fetches an asset: %s", m)
			}
			// Binaries stay small; the page is inline HTML, CSS and JS only.
			if len(page) > 64<<10 {
				t.Errorf("page is %d bytes", len(page))
			}
		})
	}
}

func TestUnknownFunction(t *testing.T) {
	if _, err := Page(PageData{Function: "upload"}); err == nil {
		t.Fatal("no error for a function without a page")
	}
	if _, err := Page(PageData{}); err == nil {
		t.Fatal("no error for an empty function")
	}
}

func TestAliOSSURL(t *testing.T) {
	// Without a URL the sts page loads nothing and says what to set (in its script).
	page := render(t, PageData{Function: "sts"})
	if strings.Contains(page, "<script src=") || !strings.Contains(page, "DEMO_ALIOSS_URL") {
		t.Error("sts page without AliOSSURL")
	}
	// The URL is escaped as a URL in an attribute: it cannot run script or break out.
	page = render(t, PageData{Function: "sts", AliOSSURL: `javascript:alert(1)`})
	if strings.Contains(page, `src="javascript:`) {
		t.Error("javascript: URL rendered as the script source")
	}
	page = render(t, PageData{Function: "sts", AliOSSURL: `https://cdn.example/x.js"><script>alert(1)</script>`})
	if strings.Contains(page, `"><script>alert(1)`) {
		t.Error("AliOSSURL breaks out of the attribute")
	}
	// The other pages ignore it.
	if page := render(t, PageData{Function: "presignedurl", AliOSSURL: cdn}); strings.Contains(page, cdn) {
		t.Error("presignedurl page mentions ali-oss")
	}
}

func ExamplePage() {
	page, err := Page(PageData{Function: "presignedurl"})
	if err != nil {
		panic(err)
	}
	title := regexp.MustCompile(`<title>(.*)</title>`).FindSubmatch(page)
	fmt.Println(string(title[1]))
	// Output: Upload to OSS · V4 presigned PUT URL
}

func TestSignInSection(t *testing.T) {
	t.Parallel()
	if page := render(t, PageData{Function: "presignedurl"}); strings.Contains(page, `id="signin"`) {
		t.Error("sign-in section without per-user mode")
	}
	page := render(t, PageData{Function: "sts", SignIn: true, TokenURL: "http://127.0.0.1:9/token"})
	for _, want := range []string{`<section id="signin"`, `data-token-url="http://127.0.0.1:9/token"`, `<label for="signin-user">`, `<input id="signin-user"`, `id="whoami" role="status"`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	page = render(t, PageData{Function: "postsignature", SignIn: true})
	if !strings.Contains(page, `<textarea id="signin-token"`) || strings.Contains(page, `data-token-url="`) {
		t.Error("without a token URL the page must ask for a token")
	}
}

func TestUppyPage(t *testing.T) {
	const base = "https://cdn.example/uppy@6.0.1/dist/"
	b, err := UppyPage(PageData{Function: "presignedurl", UppyURL: base, MultipartThreshold: 5 << 20})
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	scripts := regexp.MustCompile(`<script src="([^"]*)"`).FindAllStringSubmatch(page, -1)
	if len(scripts) != 1 || scripts[0][1] != base+"uppy.min.js" || !strings.Contains(page, `href="`+base+`uppy.min.css"`) {
		t.Errorf("Uppy page loads %v", scripts)
	}
	for _, want := range []string{`data-threshold="5242880"`, "companionEndpoint", "s3.endpoint", `role="status" aria-live="polite"`, `<html lang="en">`} {
		if !strings.Contains(page, want) {
			t.Errorf("Uppy page lacks %s", want)
		}
	}
	if strings.Contains(page, `id="signin"`) {
		t.Error("Uppy page signs in without per-user mode")
	}
	// Per-user mode: the same sign-in as the other pages.
	b, _ = UppyPage(PageData{Function: "presignedurl", UppyURL: base, SignIn: true, TokenURL: "http://127.0.0.1:9/token"})
	for _, want := range []string{`<form id="signin-form" novalidate data-token-url="http://127.0.0.1:9/token">`, `id="whoami"`, "oss-upload-auth"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("per-user Uppy page lacks %s", want)
		}
	}
	// Without a URL nothing is loaded and the page names the setting.
	b, _ = UppyPage(PageData{Function: "presignedurl"})
	if strings.Contains(string(b), "<script src=") || !strings.Contains(string(b), "DEMO_UPPY_URL") {
		t.Error("Uppy page without UppyURL")
	}
	// The URL cannot break out of its attributes.
	b, _ = UppyPage(PageData{UppyURL: `https://cdn.example/"><script>alert(1)</script>/`})
	if strings.Contains(string(b), `"><script>alert(1)`) {
		t.Error("UppyURL breaks out of the attribute")
	}
}

// TestIntegrity: each pinned CDN file's integrity is the SHA-384 of the same file in the npm
// package that scripts/node installs (the version the URL names), the default DEMO_UPPY_URL is
// among them, and the Uppy page renders it for that URL only.
func TestIntegrity(t *testing.T) {
	mods, err := nodetools.Ensure()
	if err != nil {
		t.Fatal(err)
	}
	for url, sri := range integrity {
		m := regexp.MustCompile(`^https://cdn\.jsdelivr\.net/npm/([^@/]+)@([^/]+)/(.+)$`).FindStringSubmatch(url)
		if m == nil {
			t.Fatalf("%s is not a jsDelivr npm URL", url)
		}
		var pkg struct{ Version string }
		if b, err := os.ReadFile(filepath.Join(mods, m[1], "package.json")); err != nil || json.Unmarshal(b, &pkg) != nil || pkg.Version != m[2] {
			t.Fatalf("%s: scripts/node has %s %q (%v); pin the same version", url, m[1], pkg.Version, err)
		}
		b, err := os.ReadFile(filepath.Join(mods, m[1], filepath.FromSlash(m[3])))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha512.Sum384(b)
		if want := "sha384-" + base64.StdEncoding.EncodeToString(sum[:]); sri != want {
			t.Errorf("%s: integrity %s; the npm file's is %s", url, sri, want)
		}
	}
	var def string
	for _, s := range config.Settings {
		if s.Name == "DEMO_UPPY_URL" {
			def = s.Default
		}
	}
	page, err := UppyPage(PageData{Function: "presignedurl", UppyURL: def})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"uppy.min.js", "uppy.min.css"} {
		sri, ok := integrity[def+f]
		if !ok || !strings.Contains(string(page), `integrity="`+sri+`"`) {
			t.Errorf("default %s%s: integrity %q not on the page", def, f, sri)
		}
	}
	local, err := UppyPage(PageData{Function: "presignedurl", UppyURL: "/_local/uppy/"})
	if err != nil || strings.Contains(string(local), "integrity=") {
		t.Errorf("a URL without a known hash got an integrity attribute (%v)", err)
	}
}
