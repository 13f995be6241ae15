// Package fcbuild builds the deployable code packages of the project's Function Compute functions.
//
// Each function is a `package main` at functions/<name>. For the go1 runtime (Linux x86_64 only) the
// package FC runs is a zip whose root holds the executable named by the function's handler (`main`):
//
//	functions/<name>/dist/main     the binary; this directory is the `code:` of the fc3 resource in s.yaml
//	functions/<name>/function.zip  the same binary zipped (main at the root, mode 0755, Unix creator),
//	                               for an upload through the console or the FC API
//
// The binary is built with GOOS=linux GOARCH=amd64 CGO_ENABLED=0 and -trimpath -ldflags="-s -w", so it is
// statically linked, carries no local paths and no symbol table.
package fcbuild

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// Handler is the name of the executable at the root of every package, and so the `handler` of every
// go1 function in s.yaml.
const Handler = "main"

// ModulePath is the module whose root holds the functions directory.
const ModulePath = "github.com/fc-oss-upload/fc-oss-upload"

// zipTime is the modification time written for the zip entry, fixed so that the same binary always
// gives the same zip bytes (and the same code checksum at FC).
var zipTime = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

var validName = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)

// Paths says where the build of one function reads and writes, all absolute.
type Paths struct {
	Name    string // function name: the directory name under functions/
	Package string // source directory, <root>/functions/<name>
	Dist    string // <root>/functions/<name>/dist: the fc3 `code:` directory, holds only the binary
	Binary  string // <root>/functions/<name>/dist/main
	Zip     string // <root>/functions/<name>/function.zip
}

// PathsFor returns the paths of function name under the module root.
func PathsFor(root, name string) Paths {
	pkg := filepath.Join(root, "functions", name)
	dist := filepath.Join(pkg, "dist")
	return Paths{
		Name:    name,
		Package: pkg,
		Dist:    dist,
		Binary:  filepath.Join(dist, Handler),
		Zip:     filepath.Join(pkg, "function.zip"),
	}
}

// Result is what one build produced. Sizes are in bytes.
type Result struct {
	Paths
	BinaryBytes int64
	ZipBytes    int64
}

// FindRoot returns the root directory of the module ModulePath, searching dir and its parents.
func FindRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := dir; ; {
		b, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil && modulePathOf(b) == ModulePath {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("fcbuild: no go.mod of module %s in %s or its parents", ModulePath, dir)
		}
		d = parent
	}
}

func modulePathOf(gomod []byte) string {
	for _, line := range strings.Split(string(gomod), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "module" {
			return strings.Trim(f[1], `"`)
		}
	}
	return ""
}

// goCommand is the go command run in b.Root for a deployed build: linux/amd64, static, and with
// GOWORK=off, so that a function is built from the product module's go.mod and go.sum alone: the
// repository's go.work joins the tooling module (scripts/), whose requirements must not change the
// versions a deployed binary is built with.
func (b Builder) goCommand(ctx context.Context, args ...string) *exec.Cmd {
	goCmd := b.Go
	if goCmd == "" {
		goCmd = "go"
	}
	cmd := exec.CommandContext(ctx, goCmd, args...)
	cmd.Dir = b.Root
	env := b.Env
	if env == nil {
		env = os.Environ()
	}
	cmd.Env = append(append([]string(nil), env...), "GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0", "GOWORK=off")
	return cmd
}

// Functions returns the names of the functions under root/functions, sorted: every directory that
// holds a main.go.
func Functions(root string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(root, "functions"))
	if err != nil {
		return nil, fmt.Errorf("fcbuild: listing functions: %w", err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if _, err := os.Stat(filepath.Join(root, "functions", e.Name(), "main.go")); err == nil {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}

// Builder builds function packages under a module root.
type Builder struct {
	// Root is the module root (the directory of go.mod). Required.
	Root string
	// Go is the go command to run; empty means "go" from PATH.
	Go string
	// Env is the environment of the go command; nil means os.Environ(). GOOS, GOARCH and CGO_ENABLED
	// are always overridden.
	Env []string
	// Output receives the go command's output; nil discards it.
	Output io.Writer
}

// Build compiles function name for linux/amd64 into functions/<name>/dist/main (replacing whatever the
// dist directory held) and writes functions/<name>/function.zip.
func (b Builder) Build(ctx context.Context, name string) (Result, error) {
	if !validName.MatchString(name) {
		return Result{}, fmt.Errorf("fcbuild: invalid function name %q", name)
	}
	p := PathsFor(b.Root, name)
	if _, err := os.Stat(filepath.Join(p.Package, "main.go")); err != nil {
		return Result{}, fmt.Errorf("fcbuild: function %q: %w", name, err)
	}
	// The dist directory is uploaded as is by `s deploy`: leave nothing in it but the binary.
	if err := os.RemoveAll(p.Dist); err != nil {
		return Result{}, err
	}
	if err := os.MkdirAll(p.Dist, 0o755); err != nil {
		return Result{}, err
	}
	if err := b.Compile(ctx, name, p.Binary); err != nil {
		return Result{}, err
	}
	if err := os.Chmod(p.Binary, 0o755); err != nil {
		return Result{}, err
	}
	if err := WriteZip(p.Zip, p.Binary); err != nil {
		return Result{}, err
	}
	res := Result{Paths: p}
	for _, f := range []struct {
		path string
		size *int64
	}{{p.Binary, &res.BinaryBytes}, {p.Zip, &res.ZipBytes}} {
		st, err := os.Stat(f.path)
		if err != nil {
			return Result{}, err
		}
		*f.size = st.Size()
	}
	return res, nil
}

// Compile builds function name exactly as it is deployed (linux/amd64, static, -trimpath, stripped)
// into the executable out.
func (b Builder) Compile(ctx context.Context, name, out string) error {
	if !validName.MatchString(name) {
		return fmt.Errorf("fcbuild: invalid function name %q", name)
	}
	cmd := b.goCommand(ctx, "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-o", out, "./functions/"+name)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	err := cmd.Run()
	if b.Output != nil {
		b.Output.Write(buf.Bytes())
	}
	if err != nil {
		return fmt.Errorf("fcbuild: go build ./functions/%s: %w\n%s", name, err, buf.Bytes())
	}
	return nil
}

// WriteZip writes a zip at zipPath holding the file binPath as a single entry named Handler, with mode
// 0755 and a Unix creator (so that unzip on FC keeps the executable bit), deflated. The file is written
// beside zipPath and renamed into place.
func WriteZip(zipPath, binPath string) (err error) {
	bin, err := os.ReadFile(binPath)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(zipPath), ".function-*.zip")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	zw := zip.NewWriter(tmp)
	h := &zip.FileHeader{Name: Handler, Method: zip.Deflate, Modified: zipTime}
	h.SetMode(0o755) // ExternalAttrs = mode<<16, CreatorVersion = Unix (3<<8)
	w, err := zw.CreateHeader(h)
	if err != nil {
		return err
	}
	if _, err = w.Write(bin); err != nil {
		return err
	}
	if err = zw.Close(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), zipPath)
}

// WriteTable prints one line per result (function, binary bytes, zip bytes, binary path) under a header.
func WriteTable(w io.Writer, results []Result, root string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "function\tbinary bytes\tzip bytes\tzip")
	for _, r := range results {
		rel, err := filepath.Rel(root, r.Zip)
		if err != nil {
			rel = r.Zip
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", r.Name, r.BinaryBytes, r.ZipBytes, rel)
	}
	return tw.Flush()
}

// ErrNoFunctions is returned by BuildAll when the module has no function to build.
var ErrNoFunctions = errors.New("fcbuild: no functions/<name>/main.go found")

// BuildAll builds the named functions, or all of Functions(b.Root) when names is empty, in order,
// stopping at the first failure.
func (b Builder) BuildAll(ctx context.Context, names ...string) ([]Result, error) {
	if len(names) == 0 {
		var err error
		if names, err = Functions(b.Root); err != nil {
			return nil, err
		}
		if len(names) == 0 {
			return nil, ErrNoFunctions
		}
	}
	var results []Result
	for _, n := range names {
		r, err := b.Build(ctx, n)
		if err != nil {
			return results, err
		}
		results = append(results, r)
	}
	return results, nil
}
