package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/fc-oss-upload/fc-oss-upload/scripts/build/fcbuild"
)

// assemble builds the registry package of the repository into a temporary directory.
func assemble(t *testing.T) (root, out string) {
	t.Helper()
	wd, _ := os.Getwd()
	root, err := fcbuild.FindRoot(wd)
	if err != nil {
		t.Fatal(err)
	}
	out = filepath.Join(t.TempDir(), "pkg")
	n, err := Assemble(context.Background(), root, out)
	if err != nil {
		t.Fatal(err)
	}
	if n < 20 {
		t.Fatalf("only %d files in src/", n)
	}
	return root, out
}

// TestAssemble builds the registry package and checks that it is complete, that it ships each function
// built reproducibly, and that the console's pre-deploy step, run as s.yaml declares it with no Go on
// PATH (the App Center's Go 1.18-1.21 cannot build this module), keeps the shipped binaries and
// notices edited or added sources.
func TestAssemble(t *testing.T) {
	root, out := assemble(t)
	src := filepath.Join(out, "src")
	for _, f := range []string{"publish.yaml", "readme.md", "version.md", "src/s.yaml", "src/s.custom.yaml", "src/go.mod", "src/go.sum", "src/scripts/build/main.go", "src/scripts/build/predeploy.sh", "src/functions/sts/main.go", "src/templates/index.html"} {
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
	if _, err := Assemble(context.Background(), root, out); err == nil {
		t.Error("assembled into a non-empty directory")
	}

	names, err := fcbuild.Functions(src)
	if err != nil || len(names) == 0 {
		t.Fatalf("functions in src/: %v %v", names, err)
	}
	steps := preDeploySteps(t, filepath.Join(src, "s.yaml"))
	noGo := pathWithoutGo(t)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			p := fcbuild.PathsFor(src, name)
			shipped := fileHash(t, p.Binary)
			if st, err := os.Stat(p.Binary); err != nil || st.Mode()&0o111 == 0 {
				t.Fatalf("no executable %s in the package: %v", p.Binary, err)
			}
			// The manifest names the binary with its hash, go.mod and go.sum, and the function's sources.
			m := readManifest(t, fcbuild.ManifestPath(src, name))
			if m["functions/"+name+"/dist/main"] != shipped {
				t.Errorf("manifest hash of the binary %q, file hash %q", m["functions/"+name+"/dist/main"], shipped)
			}
			for _, f := range []string{"go.mod", "go.sum", "functions/" + name + "/main.go", "shared/config/config.go"} {
				if _, ok := m[f]; !ok {
					t.Errorf("manifest does not list %s", f)
				}
			}
			// Reproducible: the same build from the repository gives the same bytes.
			again := filepath.Join(t.TempDir(), "main")
			if err := (fcbuild.Builder{Root: root}).Compile(context.Background(), name, again); err != nil {
				t.Fatal(err)
			}
			if h := fileHash(t, again); h != shipped {
				t.Errorf("a rebuild from the repository differs from the shipped binary (%s vs %s): not reproducible", h, shipped)
			}

			step, ok := steps[name]
			if !ok {
				t.Fatalf("s.yaml has no pre-deploy step for %s", name)
			}
			// 1. Shipped and current: the step succeeds without Go and keeps the binary.
			outp, err := runStep(src, step, noGo)
			if err != nil {
				t.Fatalf("pre-deploy step %q without Go failed: %v\n%s", step.run, err, outp)
			}
			if !strings.Contains(outp, "is current") {
				t.Errorf("pre-deploy output %q does not say the binary is current", outp)
			}
			if fileHash(t, p.Binary) != shipped {
				t.Error("the pre-deploy step changed the shipped binary")
			}
			// 2. An edited source makes the binary stale: without Go the step fails and says why.
			edited := filepath.Join(src, "functions", name, "main.go")
			orig, _ := os.ReadFile(edited)
			os.WriteFile(edited, append(append([]byte(nil), orig...), "\n// edited\n"...), 0o644)
			outp, err = runStep(src, step, noGo)
			if err == nil || !strings.Contains(outp, "no Go on PATH") {
				t.Errorf("edited source, no Go: err=%v output %q; want a failure naming the missing Go", err, outp)
			}
			os.WriteFile(edited, orig, 0o644)
			// 3. So does a new Go file in a package the function builds from.
			added := filepath.Join(src, "functions", name, "zz_added.go")
			os.WriteFile(added, []byte("package main\n"), 0o644)
			outp, err = runStep(src, step, noGo)
			if err == nil || !strings.Contains(outp, "zz_added.go") {
				t.Errorf("added source, no Go: err=%v output %q; want a failure naming the new file", err, outp)
			}
			os.Remove(added)
			// 4. With Go (a git clone, or edited sources), the same step builds; the rebuild gives the
			// shipped bytes, so the manifest still matches afterwards.
			os.Remove(fcbuild.ManifestPath(src, name))
			if outp, err := runStep(src, step, os.Getenv("PATH")); err != nil {
				t.Fatalf("pre-deploy step with Go: %v\n%s", err, outp)
			}
			if fileHash(t, p.Binary) != shipped {
				t.Error("the pre-deploy build differs from the shipped binary")
			}
		})
	}
}

// TestRegistryReadme: the registry page carries the sections the App Center reads (as in
// devsapp/start-fc fc-golang/simple-http/src/readme.md), lists exactly the services and authorities of
// publish.yaml, and links the one-click deploy of this package's Name.
func TestRegistryReadme(t *testing.T) {
	wd, _ := os.Getwd()
	root, err := fcbuild.FindRoot(wd)
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "scripts", "publish", "readme.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	section := func(tag string) string {
		i, j := strings.Index(text, "<"+tag+">"), strings.Index(text, "</"+tag+">")
		if i < 0 || j < i {
			t.Errorf("readme.md has no <%s>...</%s>", tag, tag)
			return ""
		}
		return text[i+len(tag)+2 : j]
	}
	for _, tag := range []string{"description", "codeUrl", "preview", "remark", "disclaimers", "appcenter", "deploy", "devgroup", "testEvent"} {
		section(tag)
	}
	if strings.TrimSpace(section("description")) == "" || strings.TrimSpace(section("remark")) == "" {
		t.Error("<description> and <remark> must not be empty")
	}
	var meta struct {
		Name     string `yaml:"Name"`
		HomePage string `yaml:"HomePage"`
		Service  map[string]struct {
			Authorities []string `yaml:"Authorities"`
		} `yaml:"Service"`
	}
	b, err := os.ReadFile(filepath.Join(root, "publish.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &meta); err != nil {
		t.Fatal(err)
	}
	var want, got []string
	for svc, v := range meta.Service {
		for _, a := range v.Authorities {
			want = append(want, svc+" "+a)
		}
	}
	row := regexp.MustCompile(`(?m)^\|\s*([^|]+?)\s*\|\s*([^|]+?)\s*\|\s*$`)
	for _, m := range row.FindAllStringSubmatch(section("service"), -1) {
		if m[1] == "service" || strings.HasPrefix(m[1], "-") {
			continue
		}
		for _, a := range strings.Split(m[2], ",") {
			got = append(got, m[1]+" "+strings.TrimSpace(a))
		}
	}
	sort.Strings(want)
	sort.Strings(got)
	if !slices.Equal(got, want) {
		t.Errorf("<service> lists %v, publish.yaml Service %v", got, want)
	}
	if link := "applications/create?template=" + meta.Name; !strings.Contains(section("appcenter"), link) {
		t.Errorf("<appcenter> does not link %s", link)
	}
	if !strings.Contains(section("codeUrl"), meta.HomePage) {
		t.Errorf("<codeUrl> does not link HomePage %s", meta.HomePage)
	}
}

type step struct{ run, path string }

// preDeploySteps returns, per fc3 resource of the s.yaml at path, its pre-deploy action (one step).
func preDeploySteps(t *testing.T, path string) map[string]step {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Resources map[string]struct {
			Component string                         `yaml:"component"`
			Actions   map[string][]map[string]string `yaml:"actions"`
		} `yaml:"resources"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	key := regexp.MustCompile(`^pre-(deploy|\$\{regex\('([a-z]+\|)*deploy(\|[a-z]+)*'\)\})$`)
	steps := map[string]step{}
	for name, r := range doc.Resources {
		if r.Component != "fc3" {
			continue
		}
		for k, list := range r.Actions {
			if key.MatchString(k) && len(list) == 1 {
				steps[name] = step{run: list[0]["run"], path: list[0]["path"]}
			}
		}
	}
	return steps
}

// runStep runs an s.yaml action the way Serverless Devs does (a shell command in its path, relative
// to the directory of s.yaml) with the given PATH.
func runStep(dir string, s step, path string) (string, error) {
	cmd := exec.Command("sh", "-c", s.run)
	cmd.Dir = filepath.Join(dir, s.path)
	cmd.Env = append(os.Environ(), "PATH="+path)
	b, err := cmd.CombinedOutput()
	return string(b), err
}

// pathWithoutGo returns a PATH holding the tools the pre-deploy step may use (sh, sha256sum, grep,
// awk, sed, sort, chmod) and no go: a directory of links to them.
func pathWithoutGo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, tool := range []string{"sh", "sha256sum", "grep", "awk", "sed", "sort", "chmod"} {
		p, err := exec.LookPath(tool)
		if err != nil {
			t.Skipf("%s not found: %v", tool, err)
		}
		if err := os.Symlink(p, filepath.Join(dir, tool)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := exec.LookPath(filepath.Join(dir, "go")); err == nil {
		t.Fatal("go is on the reduced PATH")
	}
	return dir
}

func readManifest(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("manifest: %v", err)
	}
	defer f.Close()
	m := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		hash, file, ok := strings.Cut(line, "  ")
		if !ok || len(hash) != 64 {
			t.Errorf("manifest line %q is not `<sha256>  <path>`", line)
			continue
		}
		m[file] = hash
	}
	return m
}

func fileHash(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
