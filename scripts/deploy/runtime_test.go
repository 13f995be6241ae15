package deploy_test

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/fc-oss-upload/fc-oss-upload/scripts/build/fcbuild"
)

// customRuntimeProps is what each function is sent on the custom runtime, and only there (s.yaml,
// "Runtime"): the binary at the code root (/code on FC) as the command, on port 9000, where fcweb.Serve
// listens by default; up to 100 requests per instance, the setting README "Bursts" measured.
// FC 3.0 supports instance concurrency on custom runtimes only (help.aliyun.com/document_detail/2539903.html).
var customRuntimeProps = map[string]any{
	"runtime":             "custom.debian12",
	"instanceConcurrency": 100,
	"customRuntimeConfig": map[string]any{"command": []any{"/code/" + fcbuild.Handler}, "port": 9000},
}

// goOnlyProps are the props go1 is never sent.
var goOnlyProps = []string{"instanceConcurrency", "customRuntimeConfig"}

// The one-click form's runtime choice: per function, an art-template if/else block whose if branch
// emits the custom runtime's props (raw output in a comment, as the optional settings do) and whose else
// branch is the line the CLI reads, `runtime: go1`.
var (
	runtimeOpenRE  = regexp.MustCompile(`^( *)#\{\{if runtime == '([a-z0-9.]+)'\}\}\{\{@ "((?:[^"\\]|\\n)*)"\}\}\{\{else\}\}$`)
	runtimeCloseRE = regexp.MustCompile(`^( *)#\{\{/if\}\}$`)
)

// runtimeBlocks returns, per resource of s.yaml, the props its runtime block emits for the custom
// runtime, checking the block's form.
func runtimeBlocks(t testing.TB) map[string]map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "s.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	out := map[string]map[string]any{}
	resource, closes := "", 0
	for i, line := range lines {
		if m := regexp.MustCompile(`^  ([a-z][a-z0-9_-]*):$`).FindStringSubmatch(line); m != nil {
			resource = m[1]
		}
		if runtimeCloseRE.MatchString(line) {
			closes++
		}
		m := runtimeOpenRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		indent := m[1]
		if i+2 >= len(lines) || lines[i+1] != indent+"runtime: go1" || lines[i+2] != indent+"#{{/if}}" {
			t.Errorf("s.yaml:%d: the runtime block's else branch must be the one line `runtime: go1`, then #{{/if}}", i+1)
			continue
		}
		emitted := strings.ReplaceAll(m[3], `\n`, "\n")
		if !strings.HasPrefix(emitted, "\n"+indent) {
			t.Errorf("s.yaml:%d: the emitted props do not start on a new line indented like the block", i+1)
		}
		var props map[string]any
		if err := yaml.Unmarshal([]byte(emitted), &props); err != nil {
			t.Errorf("s.yaml:%d: the emitted props are not YAML: %v", i+1, err)
		}
		if props["runtime"] != m[2] {
			t.Errorf("s.yaml:%d: block for runtime %s emits runtime %v", i+1, m[2], props["runtime"])
		}
		if _, dup := out[resource]; dup {
			t.Errorf("s.yaml:%d: a second runtime block in %s", i+1, resource)
		}
		out[resource] = props
	}
	if closes != len(out) {
		t.Errorf("s.yaml has %d #{{/if}} lines for %d runtime blocks", closes, len(out))
	}
	return out
}

// TestSYAMLRuntime: with the CLI, s.yaml deploys every function on go1 and sends it neither
// instanceConcurrency nor customRuntimeConfig; s.custom.yaml sets exactly the custom runtime's props on
// every function, and the one-click form's runtime block emits the same props.
func TestSYAMLRuntime(t *testing.T) {
	t.Parallel()
	root := readSYAML(t)
	vars := mapValue(root, "vars")
	for _, v := range []string{"runtime", "instanceConcurrency"} {
		if mapValue(vars, v) != nil {
			t.Errorf("vars.%s: the runtime is chosen by s.custom.yaml or the form, not by a var", v)
		}
	}
	resources := mapValue(root, "resources")
	var fc3 []string
	for i := 0; i+1 < len(resources.Content); i += 2 {
		res := resources.Content[i+1]
		if c := mapValue(res, "component"); c == nil || c.Value != "fc3" {
			continue
		}
		name, props := resources.Content[i].Value, mapValue(res, "props")
		fc3 = append(fc3, name)
		if v := mapValue(props, "runtime"); v == nil || v.Value != "go1" {
			t.Errorf("%s: runtime %v; want go1 in s.yaml", name, v)
		}
		for _, k := range goOnlyProps {
			if mapValue(props, k) != nil {
				t.Errorf("%s: s.yaml sets %s, which go1 must not be sent", name, k)
			}
		}
	}
	slices.Sort(fc3)
	if !slices.Equal(fc3, functions) {
		t.Fatalf("fc3 resources %v, want %v", fc3, functions)
	}

	custom := readCustomYAML(t)
	if custom["extend"] != "s.yaml" {
		t.Errorf("s.custom.yaml: extend %v, want s.yaml", custom["extend"])
	}
	if keys := sortedKeys(custom); !slices.Equal(keys, []string{"extend", "resources"}) {
		t.Errorf("s.custom.yaml has %v; want only extend and resources (access and vars are the user's)", keys)
	}
	res, _ := custom["resources"].(map[string]any)
	if got := sortedKeys(res); !slices.Equal(got, functions) {
		t.Errorf("s.custom.yaml sets %v, want every function %v", got, functions)
	}
	blocks := runtimeBlocks(t)
	if got := sortedKeys(blocks); !slices.Equal(got, functions) {
		t.Errorf("s.yaml has runtime blocks in %v, want one in every function %v", got, functions)
	}
	for _, fn := range functions {
		r, _ := res[fn].(map[string]any)
		if keys := sortedKeys(r); !slices.Equal(keys, []string{"props"}) {
			t.Errorf("s.custom.yaml %s: %v; want props only", fn, keys)
		}
		if props := r["props"]; !reflect.DeepEqual(props, customRuntimeProps) {
			t.Errorf("s.custom.yaml %s props = %v, want %v", fn, props, customRuntimeProps)
		}
		if props := blocks[fn]; !reflect.DeepEqual(props, customRuntimeProps) {
			t.Errorf("s.yaml %s: the form's custom runtime block emits %v, want %v", fn, props, customRuntimeProps)
		}
	}
}

func readCustomYAML(t testing.TB) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "s.custom.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("s.custom.yaml: %v", err)
	}
	return doc
}

// TestCustomYAMLNotExtendable backs the instruction (README "Deploy", s.custom.yaml) to copy
// s.custom.yaml into s.local.yaml rather than extend it: the s CLI follows one `extend` only, so an
// s.local.yaml extending s.custom.yaml does not get the functions of s.yaml. Should a later CLI resolve
// the chain, this fails, and the instruction can become `extend: s.custom.yaml`.
func TestCustomYAMLNotExtendable(t *testing.T) {
	t.Parallel()
	root, dir := repoRoot(t), t.TempDir()
	copyFile(t, filepath.Join(root, "s.yaml"), filepath.Join(dir, "s.yaml"))
	copyFile(t, filepath.Join(root, "s.custom.yaml"), filepath.Join(dir, "s.custom.yaml"))
	previewOf := func(extend string) ([]byte, error) {
		local := filepath.Join(dir, "s.local.yaml")
		if err := os.WriteFile(local, []byte("extend: "+extend+"\naccess: default\nvars:\n  region: cn-hangzhou\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return tryS(t, dir, "preview", "-t", local, "-o", "json")
	}
	// One level works and shows the fc3 functions (what the check below looks for).
	if out, err := previewOf("s.yaml"); err != nil || !strings.Contains(string(out), `"fc3"`) {
		t.Fatalf("extending s.yaml: err %v, no fc3 resource in\n%s", err, out)
	}
	out, err := previewOf("s.custom.yaml")
	if err == nil && strings.Contains(string(out), `"fc3"`) {
		t.Errorf("s resolved s.local.yaml -> s.custom.yaml -> s.yaml; README may now say `extend: s.custom.yaml`:\n%s", out)
	}
	t.Logf("s preview of the chain: err %v\n%s", err, out)
}
