package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fc-oss-upload/fc-oss-upload/scripts/build/fcbuild"
)

// TestAssemble builds the registry package and checks that its src/ is a complete project: the
// template is at src/s.yaml and every function builds there on its own, as the console builds it.
func TestAssemble(t *testing.T) {
	wd, _ := os.Getwd()
	root, err := fcbuild.FindRoot(wd)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "pkg")
	n, err := Assemble(root, out)
	if err != nil {
		t.Fatal(err)
	}
	if n < 20 {
		t.Fatalf("only %d files in src/", n)
	}
	for _, f := range []string{"publish.yaml", "readme.md", "version.md", "src/s.yaml", "src/go.mod", "src/go.sum", "src/scripts/build/main.go", "src/functions/sts/main.go", "src/templates/index.html"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("missing %s", f)
		}
	}
	for _, f := range []string{"src/publish.yaml", "src/.ci/run", "src/scripts/node/node_modules"} {
		if _, err := os.Stat(filepath.Join(out, f)); err == nil {
			t.Errorf("%s should not be in the package", f)
		}
	}
	if v, _ := os.ReadFile(filepath.Join(out, "version.md")); !strings.HasPrefix(string(v), "# ") || strings.TrimSpace(string(v)) == "#" {
		t.Errorf("version.md: %q", v)
	}
	// The pre-deploy action, run where the console runs it.
	cmd := exec.Command("go", "run", "./scripts/build", "presignedurl")
	cmd.Dir = filepath.Join(out, "src")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run ./scripts/build in src/: %v\n%s", err, b)
	}
	if st, err := os.Stat(filepath.Join(out, "src", "functions", "presignedurl", "dist", "main")); err != nil || st.Mode()&0o111 == 0 {
		t.Fatalf("no executable built in src/: %v", err)
	}
	if _, err := Assemble(root, out); err == nil {
		t.Error("assembled into a non-empty directory")
	}
}
