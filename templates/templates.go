package templates

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
)

//go:embed index.html uppy.html signin.html
var files embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{"integrity": integrityAttr}).
	ParseFS(files, "index.html", "uppy.html", "signin.html"))

// integrityAttr is the integrity attribute for url, or nothing when its hash is not known. The
// value is one of the constants below, so it is written unescaped (html/template would write its
// "+" as "&#43;", which browsers decode, but which no reader expects).
func integrityAttr(url string) template.HTMLAttr {
	if sri, ok := integrity[url]; ok {
		return template.HTMLAttr(`integrity="` + sri + `"`)
	}
	return ""
}

// integrity is the Subresource Integrity of the CDN files the pages load by default (config's
// DEMO_UPPY_URL), so that a browser refuses them if the CDN serves other bytes. jsDelivr's /npm/
// URLs serve the files of the npm package version they name (https://www.jsdelivr.com/documentation#id-npm);
// TestIntegrity checks each hash against scripts/node's copy of that version. A URL not listed
// (another CDN, the local stack's copy) loads without one.
var integrity = map[string]string{
	"https://cdn.jsdelivr.net/npm/uppy@6.0.1/dist/uppy.min.js":  "sha384-QPH9Dl8VQ2XNehOqPB9va+0KSja3toj1NUEXVbP8oNAJ0iGMpgaz5ecDrwTK+ciO",
	"https://cdn.jsdelivr.net/npm/uppy@6.0.1/dist/uppy.min.css": "sha384-mrtEQQ4LVy5xVIhmsZQL/qDhY5S+hOl9KZCOjtObtWSmsx0PI9RUdc6nyFftj/Jx",
}

// PageData is what a page needs to know about the function serving it.
type PageData struct {
	// Function is sts, postsignature or presignedurl. Required.
	Function string
	// AliOSSURL is where the STS page loads the ali-oss browser build from (the public CDN in
	// production, the copy from scripts/node on the local stack). Only the sts page uses it; when
	// it is empty that page says the setting is missing instead of uploading.
	AliOSSURL string
	// SignIn shows the "Signed in as" section: the function verifies bearer tokens (AUTH_*), and
	// the page sends the signed-in user's token with every request.
	SignIn bool
	// TokenURL is a test issuer's token endpoint (DEMO_TOKEN_URL): with it the page signs in by
	// user name; without it, the person pastes a token from their identity provider.
	TokenURL string
	// UppyURL is the folder (ending in "/") the Uppy page loads uppy.min.js and uppy.min.css from:
	// a CDN in production, the copy from scripts/node on the local stack. Only the Uppy page uses it.
	UppyURL string
	// MultipartThreshold is the size above which the Uppy page uploads in parts (0: Uppy's 100 MiB).
	MultipartThreshold int64
}

// flow is the wording and the API of one upload flow.
type flow struct {
	Title   string // short name of the flow
	Summary string // one sentence on how the page uploads
	API     string // the function's API path, absolute from the origin root
}

var flows = map[string]flow{
	"sts": {
		Title:   "STS temporary credentials",
		Summary: "The page asks the function for temporary credentials that may only upload under one prefix, then uploads with ali-oss: small files in one PUT, large files in parts that are retried and resumed.",
		API:     "/get_sts_token_for_oss_upload",
	},
	"postsignature": {
		Title:   "V4 POST policy",
		Summary: "For each file the page asks the function for a signed POST policy bound to the file's key, size and type, then posts a form straight to the bucket.",
		API:     "/get_post_signature_for_oss_upload",
	},
	"presignedurl": {
		Title:   "V4 presigned PUT URL",
		Summary: "For each file the page asks the function for a presigned URL bound to the file's key, size and type, then PUTs the file with exactly the signed headers; large files go in parts (presigned part URLs, parallel, retried, resumed after a reload, cancellable).",
		API:     "/get_presigned_url_for_oss_upload",
	},
}

// view is what index.html renders.
type view struct {
	PageData
	Flow flow
}

// Page renders the demo page of data.Function: a self-contained HTML page (inline CSS and JS)
// that uploads the files a person picks straight to OSS with the authorization that function
// hands out. It fails for a function without a page.
func Page(data PageData) ([]byte, error) {
	f, ok := flows[data.Function]
	if !ok {
		return nil, fmt.Errorf("templates: no demo page for function %q", data.Function)
	}
	var b bytes.Buffer
	if err := pages.ExecuteTemplate(&b, "index.html", view{PageData: data, Flow: f}); err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	return b.Bytes(), nil
}

// UppyPage renders the Uppy Dashboard page that presignedurl serves: Uppy's own @uppy/aws-s3
// plugin, pointed at the function's Uppy Companion S3 routes on the page's origin, with no upload
// code of the page's own. Uppy is loaded from data.UppyURL, never embedded.
func UppyPage(data PageData) ([]byte, error) {
	var b bytes.Buffer
	if err := pages.ExecuteTemplate(&b, "uppy.html", data); err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	return b.Bytes(), nil
}
