package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

var versionRE = regexp.MustCompile(`(?m)^Version:\s*(\S+)\s*$`)

// Assemble writes the registry package of the project at root into out and returns how many files
// went into src/.
func Assemble(root, out string) (int, error) {
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
	if err := copyFile(filepath.Join(root, "README.md"), filepath.Join(out, "readme.md")); err != nil {
		return 0, err
	}
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
