package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/fc-oss-upload/fc-oss-upload/scripts/build/fcbuild"
)

var versionRE = regexp.MustCompile(`(?m)^Version:\s*(\S+)\s*$`)

// Assemble writes the registry package of the project at root into out and returns how many files
// went into src/: the tracked files, plus every function built for linux/amd64 into
// src/functions/<name>/dist/main with its manifest src/functions/<name>/build.sha256, so that the
// console's pre-deploy step (scripts/build/predeploy.sh) finds the binaries current and needs no Go.
// The registry page is scripts/publish/readme.md.
func Assemble(ctx context.Context, root, out string) (int, error) {
	if entries, err := os.ReadDir(out); err == nil && len(entries) > 0 {
		return 0, fmt.Errorf("%s is not empty", out)
	}
	cmd := exec.Command("git", "ls-files", "-z")
	cmd.Dir = root
	list, err := cmd.Output()
	if err != nil {
		return 0, fmt.Errorf("listing tracked files (git ls-files): %v", err)
	}
	n := 0
	for _, f := range strings.Split(strings.TrimRight(string(list), "\x00"), "\x00") {
		if f == "" || f == "publish.yaml" || strings.HasPrefix(f, ".ci/") {
			continue
		}
		if _, err := os.Stat(filepath.Join(root, f)); os.IsNotExist(err) {
			continue // deleted in the work tree
		}
		if err := copyFile(filepath.Join(root, f), filepath.Join(out, "src", f)); err != nil {
			return 0, err
		}
		n++
	}
	if err := copyFile(filepath.Join(root, "publish.yaml"), filepath.Join(out, "publish.yaml")); err != nil {
		return 0, err
	}
	if err := copyFile(filepath.Join(root, "scripts", "publish", "readme.md"), filepath.Join(out, "readme.md")); err != nil {
		return 0, err
	}
	built, err := buildFunctions(ctx, filepath.Join(out, "src"))
	if err != nil {
		return 0, err
	}
	n += built
	meta, err := os.ReadFile(filepath.Join(root, "publish.yaml"))
	if err != nil {
		return 0, err
	}
	m := versionRE.FindSubmatch(meta)
	if m == nil {
		return 0, fmt.Errorf("publish.yaml has no Version")
	}
	version := fmt.Sprintf("# %s\n\nSee readme.md for what this version contains.\n", bytes.TrimSpace(m[1]))
	return n, os.WriteFile(filepath.Join(out, "version.md"), []byte(version), 0o644)
}

// buildFunctions builds every function of the project at src into functions/<name>/dist/main (no zip:
// `s deploy` uploads the dist directory) and writes its manifest. It returns the number of files written.
func buildFunctions(ctx context.Context, src string) (int, error) {
	names, err := fcbuild.Functions(src)
	if err != nil {
		return 0, err
	}
	if len(names) == 0 {
		return 0, fcbuild.ErrNoFunctions
	}
	b := fcbuild.Builder{Root: src}
	for _, name := range names {
		p := fcbuild.PathsFor(src, name)
		if err := os.MkdirAll(p.Dist, 0o755); err != nil {
			return 0, err
		}
		if err := b.Compile(ctx, name, p.Binary); err != nil {
			return 0, err
		}
		if err := os.Chmod(p.Binary, 0o755); err != nil {
			return 0, err
		}
		if err := b.WriteManifest(ctx, name); err != nil {
			return 0, err
		}
	}
	return 2 * len(names), nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, st.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
