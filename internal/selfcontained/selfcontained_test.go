package selfcontained

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// outside matches names of places outside the repository that this project's machines have had:
// the reference folder beside the checkout (as a path or as filepath.Join arguments) and absolute
// work paths.
var outside = regexp.MustCompile(`\.\./shared\b|"\.\."\s*,\s*"shared"|/wor[k]/(shared|main|wt)\b`)

// relative matches a relative path that climbs at least one directory ("../x", "../../x/y").
var relative = regexp.MustCompile(`(?:\.\./)+[A-Za-z0-9_.-]+`)

// hostile are climbing paths that files quote on purpose as hostile input (path traversal examples).
var hostile = map[string]bool{"../../etc": true}

// repoRoot is the top of the work tree, from git.
func repoRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		t.Skipf("not in a git work tree: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// TestNoPathOutsideRepository fails when a tracked file names a path outside the repository: the
// reference folder beside the checkout, an absolute work path, or a relative path that climbs above
// the repository root from the file's own directory. A user's clone has only the repository.
func TestNoPathOutsideRepository(t *testing.T) {
	root := repoRoot(t)
	cmd := exec.Command("git", "ls-files", "-z")
	cmd.Dir = root
	list, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, f := range strings.Split(strings.TrimRight(string(list), "\x00"), "\x00") {
		if f == "" || strings.HasSuffix(f, "package-lock.json") || strings.HasSuffix(f, "go.sum") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			continue // deleted in the work tree
		}
		if bytes.IndexByte(b, 0) >= 0 {
			continue // binary
		}
		checked++
		for i, line := range strings.Split(string(b), "\n") {
			if m := outside.FindString(line); m != "" {
				t.Errorf("%s:%d names %q, outside the repository: copy what it needs into the repository", f, i+1, m)
				continue
			}
			for _, rel := range relative.FindAllString(line, -1) {
				if hostile[rel] {
					continue
				}
				p := filepath.Join(root, filepath.Dir(f), rel)
				if r, err := filepath.Rel(root, p); err != nil || r == ".." || strings.HasPrefix(r, "../") {
					t.Errorf("%s:%d: %q leaves the repository (from %s)", f, i+1, rel, filepath.Dir(f))
				}
			}
		}
	}
	if checked < 50 {
		t.Fatalf("checked only %d tracked files: is git ls-files working?", checked)
	}
}

// TestOutsidePatternsMatch keeps the patterns above able to fail.
func TestOutsidePatternsMatch(t *testing.T) {
	// Built from pieces so that this file does not name them itself.
	up, ref := strings.Repeat(".", 2), "sha"+"red"
	for _, s := range []string{`filepath.Join(root, "` + up + `", "` + ref + `")`, up + "/" + ref + "/fc3/schema.json",
		up + "/" + up + "/" + up + "/" + ref + "/reference/x.md", "/wor" + "k/" + ref + "/reference/oss-signatures.md"} {
		if !outside.MatchString(s) {
			t.Errorf("%q not caught", s)
		}
	}
	for _, s := range []string{"shared/ossauth", "../fc3/schema.json", "scripts/deploy/testdata"} {
		if outside.MatchString(s) {
			t.Errorf("%q caught", s)
		}
	}
}
