package fcbuild

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ManifestName is the file, beside a function's dist directory, that records what its binary was built
// from: functions/<name>/build.sha256.
const ManifestName = "build.sha256"

// ManifestPath returns the manifest path of function name under root.
func ManifestPath(root, name string) string {
	return filepath.Join(root, "functions", name, ManifestName)
}

// Inputs returns the files, relative to b.Root with forward slashes and sorted, that the build of
// function name reads from the module: go.mod, go.sum and the Go and embedded files of every package of
// the module it imports (`go list -deps`). Modules it depends on are pinned by go.sum.
func (b Builder) Inputs(ctx context.Context, name string) ([]string, error) {
	if !validName.MatchString(name) {
		return nil, fmt.Errorf("fcbuild: invalid function name %q", name)
	}
	format := `{{if and .Module (eq .Module.Path "` + ModulePath + `")}}` +
		`{{range .GoFiles}}{{$.Dir}}/{{.}}{{"\n"}}{{end}}` +
		`{{range .EmbedFiles}}{{$.Dir}}/{{.}}{{"\n"}}{{end}}{{end}}`
	cmd := b.goCommand(ctx, "list", "-deps", "-f", format, "./functions/"+name)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("fcbuild: go list ./functions/%s: %w\n%s", name, err, stderr.Bytes())
	}
	files := []string{"go.mod", "go.sum"}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		abs := strings.TrimSpace(sc.Text())
		if abs == "" {
			continue
		}
		rel, err := filepath.Rel(b.Root, abs)
		if err != nil || strings.HasPrefix(rel, "..") {
			return nil, fmt.Errorf("fcbuild: %s is outside the module root", abs)
		}
		files = append(files, filepath.ToSlash(rel))
	}
	sort.Strings(files)
	return files, nil
}

// WriteManifest records, in functions/<name>/build.sha256, the SHA-256 of the function's built binary
// and of every input file (Inputs), in the format of `sha256sum` (hash, two spaces, path relative to the
// module root), so that `sha256sum -c` or `shasum -a 256 -c` tells whether the binary is still current
// without Go. scripts/build/predeploy.sh does exactly that before deciding to build.
func (b Builder) WriteManifest(ctx context.Context, name string) error {
	inputs, err := b.Inputs(ctx, name)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# Built by scripts/publish: linux/amd64, CGO_ENABLED=0, -trimpath -buildvcs=false -ldflags=\"-s -w\".\n")
	fmt.Fprintf(&buf, "# The binary is current while every file below has this hash (scripts/build/predeploy.sh).\n")
	bin := "functions/" + name + "/dist/" + Handler
	for _, f := range append([]string{bin}, inputs...) {
		sum, err := fileSHA256(filepath.Join(b.Root, filepath.FromSlash(f)))
		if err != nil {
			return err
		}
		fmt.Fprintf(&buf, "%s  %s\n", sum, f)
	}
	return os.WriteFile(ManifestPath(b.Root, name), buf.Bytes(), 0o644)
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
