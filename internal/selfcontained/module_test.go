package selfcontained

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// toolingOnly are the modules only the tooling module (scripts/) may require: the browser driver,
// the deployment's schema and YAML checks, and the second OSS SDK its differential tests use.
var toolingOnly = []string{
	"github.com/chromedp/",
	"github.com/santhosh-tekuri/jsonschema",
	"gopkg.in/yaml.",
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2",
}

// goOff runs the go command in the product module with the workspace off, as a deployment
// (scripts/build/fcbuild) does.
func goOff(t *testing.T, dir string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("GOWORK=off go %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	return out
}

// TestProductModuleStandsAlone: the product module (functions/, shared/, internal/) builds and
// tests from its own go.mod, which is tidy and requires no module of the tooling: no product package
// or test imports the scripts module or a tooling-only module.
func TestProductModuleStandsAlone(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command over the whole module")
	}
	root := repoRoot(t)

	var mod struct {
		Module  struct{ Path string }
		Require []struct{ Path string }
	}
	if err := json.Unmarshal(goOff(t, root, "mod", "edit", "-json"), &mod); err != nil {
		t.Fatal(err)
	}
	if len(mod.Require) == 0 {
		t.Fatal("go mod edit -json lists no requirement: is this the product's go.mod?")
	}
	for _, r := range mod.Require {
		if toolingOnlyModule(r.Path) {
			t.Errorf("the product's go.mod requires %s, a module only the tooling needs: move what uses it to scripts/", r.Path)
		}
	}

	// Every package and test of the product, with the module that provides each dependency.
	list := goOff(t, root, "list", "-e", "-deps", "-test", "-f", "{{.ImportPath}}\t{{with .Module}}{{.Path}}{{end}}\t{{with .Error}}{{printf \"%q\" .Err}}{{end}}", "./...")
	n := 0
	for _, line := range strings.Split(strings.TrimRight(string(list), "\n"), "\n") {
		f := strings.SplitN(line, "\t", 3)
		if len(f) != 3 {
			t.Fatalf("unexpected go list line %q", line)
		}
		n++
		pkg, module, loadErr := f[0], f[1], f[2]
		switch {
		case loadErr != "":
			t.Errorf("%s does not load from the product module alone: %s", pkg, loadErr)
		case module == mod.Module.Path+"/scripts" || strings.HasPrefix(pkg, mod.Module.Path+"/scripts/"):
			t.Errorf("the product imports %s of the tooling module", pkg)
		case toolingOnlyModule(module):
			t.Errorf("the product imports %s of %s, a module only the tooling needs", pkg, module)
		}
	}
	if n < 100 {
		t.Fatalf("go list gave only %d packages", n)
	}

	// go.mod and go.sum are exactly what the product's packages and tests need.
	goOff(t, root, "mod", "tidy", "-diff")
}

func toolingOnlyModule(path string) bool {
	for _, p := range toolingOnly {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}
