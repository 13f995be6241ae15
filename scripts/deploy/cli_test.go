package deploy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/fc-oss-upload/fc-oss-upload/scripts/build/fcbuild"
)

// repoRoot is the module root (the directory of s.yaml and publish.yaml).
func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := fcbuild.FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

var installOnce sync.Once

// sCLI returns the path of the Serverless Devs CLI of scripts/node, running
// `npm install --prefix scripts/node` first when it is missing (under a file lock, since other test
// packages may install at the same time).
func sCLI(t testing.TB) string {
	t.Helper()
	root := repoRoot(t)
	nodeDir := filepath.Join(root, "scripts", "node")
	bin := filepath.Join(nodeDir, "node_modules", ".bin", "s")
	var installErr error
	installOnce.Do(func() {
		if _, err := os.Stat(bin); err == nil {
			return
		}
		lock, err := os.OpenFile(filepath.Join(nodeDir, ".npm-install.lock"), os.O_CREATE|os.O_RDWR, 0o644)
		if err != nil {
			installErr = err
			return
		}
		defer lock.Close()
		if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
			installErr = err
			return
		}
		defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
		if _, err := os.Stat(bin); err == nil {
			return // installed by another process while we waited
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "npm", "install", "--no-audit", "--no-fund", "--prefix", nodeDir)
		out, err := cmd.CombinedOutput()
		if err != nil {
			installErr = fmt.Errorf("npm install --prefix scripts/node: %v\n%s", err, out)
		}
	})
	if installErr != nil {
		t.Fatalf("the Serverless Devs CLI (%s) is missing and could not be installed: %v\n"+
			"run `npm install --prefix scripts/node` (needs Node.js 18+ and the npm registry)", bin, installErr)
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("the Serverless Devs CLI is missing: %v; run `npm install --prefix scripts/node`", err)
	}
	return bin
}

// runS runs the s CLI in dir with a private HOME (so ~/.s is never read or written), no cloud
// credentials in the environment, and a time limit. It returns stdout.
func runS(t testing.TB, dir string, args ...string) []byte {
	t.Helper()
	out, err := tryS(t, dir, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// tryS is runS that returns the CLI's failure instead of failing the test.
func tryS(t testing.TB, dir string, args ...string) ([]byte, error) {
	t.Helper()
	home := filepath.Join(dir, ".home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, sCLI(t), args...)
	cmd.Dir = dir
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k == "HOME" || strings.HasPrefix(k, "ALIBABA_CLOUD_") || strings.HasPrefix(k, "ALIYUN_") {
			continue
		}
		env = append(env, kv)
	}
	cmd.Env = append(env, "HOME="+home, "NO_UPDATE_NOTIFIER=1", "NODE_NO_WARNINGS=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), fmt.Errorf("s %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, stdout.Bytes(), stderr.Bytes())
	}
	return stdout.Bytes(), nil
}

// preview renders template with `s preview -o json` and returns the document. The CLI prints log lines
// (e.g. a warning when run as root) before the JSON; they are skipped.
func preview(t testing.TB, dir, template string) map[string]any {
	t.Helper()
	out := runS(t, dir, "preview", "-t", template, "-o", "json")
	start := bytes.Index(out, []byte("\n{"))
	if bytes.HasPrefix(out, []byte("{")) {
		start = -1
	} else if start < 0 {
		t.Fatalf("s preview printed no JSON document:\n%s", out)
	}
	var doc map[string]any
	if err := json.Unmarshal(out[start+1:], &doc); err != nil {
		t.Fatalf("s preview output is not JSON: %v\n%s", err, out)
	}
	return doc
}

// renderAppCenter renders s.yaml the way the Serverless Application Center and `s init` do (art-template,
// parameters from publish.yaml and params), using the real CLI on a registry-layout copy of the two files
// (publish.yaml + src/s.yaml), then previews the result. It returns the previewed document and the
// rendered s.yaml text.
func renderAppCenter(t testing.TB, params map[string]string) (map[string]any, string) {
	t.Helper()
	root := repoRoot(t)
	dir := t.TempDir()
	pkg := filepath.Join(dir, "pkg")
	copyFile(t, filepath.Join(root, "publish.yaml"), filepath.Join(pkg, "publish.yaml"))
	copyFile(t, filepath.Join(root, "s.yaml"), filepath.Join(pkg, "src", "s.yaml"))
	p, err := json.Marshal(params)
	if err != nil {
		t.Fatal(err)
	}
	runS(t, dir, "init", "--uri", pkg, "-d", "app", "-y", "-a", "test-access", "--parameters", string(p))
	rendered, err := os.ReadFile(filepath.Join(dir, "app", "s.yaml"))
	if err != nil {
		t.Fatalf("s init wrote no s.yaml: %v", err)
	}
	return preview(t, dir, filepath.Join(dir, "app", "s.yaml")), string(rendered)
}

// renderCLI renders s.yaml the way README tells a CLI user to deploy it: an s.local.yaml that extends
// s.yaml (base "s.yaml"), or a copy of s.custom.yaml (base "s.custom.yaml", which extends s.yaml), with
// access and vars added, and optional settings per function (env: function -> name -> value) under
// resources.<function>.props.environmentVariables, which Serverless Devs merges key by key.
func renderCLI(t testing.TB, base string, vars map[string]string, env map[string]map[string]string) map[string]any {
	t.Helper()
	root := repoRoot(t)
	doc := map[string]any{}
	if base != "s.yaml" {
		b, err := os.ReadFile(filepath.Join(root, base))
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", base, err)
		}
		if doc["extend"] != "s.yaml" {
			t.Fatalf("%s extends %v, not s.yaml", base, doc["extend"])
		}
	}
	doc["extend"] = filepath.Join(root, "s.yaml") // the copy is written outside the repository
	doc["access"] = "default"
	doc["vars"] = vars
	resources, _ := doc["resources"].(map[string]any)
	if resources == nil {
		resources = map[string]any{}
	}
	for fn, kv := range env {
		r, _ := resources[fn].(map[string]any)
		if r == nil {
			r = map[string]any{}
		}
		props, _ := r["props"].(map[string]any)
		if props == nil {
			props = map[string]any{}
		}
		props["environmentVariables"] = kv
		r["props"] = props
		resources[fn] = r
	}
	if len(resources) > 0 {
		doc["resources"] = resources
	}
	b, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	local := filepath.Join(t.TempDir(), "s.local.yaml")
	if err := os.WriteFile(local, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return preview(t, filepath.Dir(local), local)
}

func copyFile(t testing.TB, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
