// Package templates holds the demo pages the functions serve at GET /, embedded in the binaries.
package templates

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
)

//go:embed *.html
var files embed.FS

var pages = template.Must(template.ParseFS(files, "*.html"))

// PageData is what a page needs to know about the function serving it.
type PageData struct {
	// Function is sts, postsignature or presignedurl.
	Function string
	// AliOSSURL is where the STS page loads the ali-oss browser build from.
	AliOSSURL string
}

// Page renders the demo page of data.Function.
func Page(data PageData) ([]byte, error) {
	var b bytes.Buffer
	if err := pages.ExecuteTemplate(&b, "index.html", data); err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	return b.Bytes(), nil
}
