// Package deploy holds what a deployment of the functions needs besides s.yaml and publish.yaml: the RAM
// policy documents of the roles (policies/*.json) and the bucket CORS rule (bucket-cors.xml), written with
// ${name} placeholders, and Render, which fills them in (command: go run ./scripts/deploy/render).
//
// Its tests are the offline deployment checks: s.yaml rendered by the real Serverless Devs CLI and
// validated against the fc3 / fc3-domain schemas, publish.yaml against the s.yaml placeholders, the built
// zips, and the policies' least privilege.
package deploy

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/fc-oss-upload/fc-oss-upload/shared/upload"
)

// placeholder matches ${name} in a policy or CORS file.
var placeholder = regexp.MustCompile(`\$\{([A-Za-z][A-Za-z0-9_]*)\}`)

// Placeholders returns the sorted, distinct names of the ${name} placeholders in text.
func Placeholders(text []byte) []string {
	seen := map[string]bool{}
	for _, m := range placeholder.FindAllSubmatch(text, -1) {
		seen[string(m[1])] = true
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Render replaces every ${name} in text by values[name], escaped for the file's format, which is taken
// from the extension of filename (".json": the placeholder must sit inside a JSON string; ".xml": XML
// character data). A name with several values repeats each line holding it once per value (e.g. one
// AllowedOrigin element per origin). Render fails if a placeholder has no value, a value is unused, or
// the result does not parse.
func Render(filename string, text []byte, values map[string][]string) ([]byte, error) {
	ext := strings.ToLower(filepath.Ext(filename))
	var escape func(string) string
	switch ext {
	case ".json":
		escape = func(s string) string {
			b, _ := json.Marshal(s)
			return string(b[1 : len(b)-1])
		}
	case ".xml":
		escape = func(s string) string {
			var buf bytes.Buffer
			xml.EscapeText(&buf, []byte(s))
			return buf.String()
		}
	default:
		return nil, fmt.Errorf("render %s: unsupported file type %q (want .json or .xml)", filename, ext)
	}
	// Values that become part of a RAM policy resource may not hold a wildcard or variable
	// character: uploadDir "up?oads/" would grant more than the prefix.
	for _, n := range []string{"bucketName", "uploadDir"} {
		for _, v := range values[n] {
			if err := upload.CheckResource(n, v); err != nil {
				return nil, fmt.Errorf("render %s: %w", filename, err)
			}
		}
	}
	used := map[string]bool{}
	var missing []string
	var out bytes.Buffer
	lines := strings.SplitAfter(string(text), "\n")
	for _, line := range lines {
		names := Placeholders([]byte(line))
		// The line is emitted once per value of its multi-valued placeholder (at most one per line).
		var multi string
		copies := 1
		for _, n := range names {
			used[n] = true
			vs, ok := values[n]
			if !ok || len(vs) == 0 {
				missing = append(missing, n)
				continue
			}
			if len(vs) > 1 {
				if multi != "" {
					return nil, fmt.Errorf("render %s: %s and %s have several values on one line", filename, multi, n)
				}
				multi, copies = n, len(vs)
			}
		}
		for i := 0; i < copies; i++ {
			out.WriteString(placeholder.ReplaceAllStringFunc(line, func(m string) string {
				n := m[2 : len(m)-1]
				vs := values[n]
				switch {
				case len(vs) == 0:
					return m
				case n == multi:
					return escape(vs[i])
				default:
					return escape(vs[0])
				}
			}))
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, fmt.Errorf("render %s: no value for %s", filename, strings.Join(dedupe(missing), ", "))
	}
	var unused []string
	for n := range values {
		if !used[n] {
			unused = append(unused, n)
		}
	}
	if len(unused) > 0 {
		sort.Strings(unused)
		return nil, fmt.Errorf("render %s: %s not used by this file (placeholders: %s)",
			filename, strings.Join(unused, ", "), strings.Join(Placeholders(text), ", "))
	}
	result := out.Bytes()
	if err := wellFormed(ext, result); err != nil {
		return nil, fmt.Errorf("render %s: result is not valid %s: %w", filename, ext[1:], err)
	}
	return result, nil
}

func wellFormed(ext string, b []byte) error {
	if ext == ".json" {
		var v any
		return json.Unmarshal(b, &v)
	}
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		if _, err := d.Token(); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
	}
}

func dedupe(sorted []string) []string {
	out := sorted[:0]
	for i, s := range sorted {
		if i == 0 || s != sorted[i-1] {
			out = append(out, s)
		}
	}
	return out
}
