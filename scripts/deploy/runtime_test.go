package deploy_test

import (
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/fc-oss-upload/fc-oss-upload/scripts/build/fcbuild"
)

// TestSYAMLCustomRuntimeOption: s.yaml offers the custom runtime as a var: go1 with
// instanceConcurrency 1 by default, and every function takes runtime and instanceConcurrency from
// the vars and names the binary (at the code root, /code on FC) as the custom runtime's command on
// port 9000, where fcweb.Serve listens by default.
func TestSYAMLCustomRuntimeOption(t *testing.T) {
	t.Parallel()
	root := readSYAML(t)
	vars := mapValue(root, "vars")
	if v := mapValue(vars, "runtime"); v == nil || v.Value != "go1" {
		t.Errorf("vars.runtime = %v; want go1 by default", v)
	}
	if v := mapValue(vars, "instanceConcurrency"); v == nil || v.Value != "1" {
		t.Errorf("vars.instanceConcurrency = %v; want 1 by default (go1)", v)
	}
	resources := mapValue(root, "resources")
	n := 0
	for i := 0; i+1 < len(resources.Content); i += 2 {
		res := resources.Content[i+1]
		if c := mapValue(res, "component"); c == nil || c.Value != "fc3" {
			continue
		}
		n++
		name, props := resources.Content[i].Value, mapValue(res, "props")
		if v := mapValue(props, "runtime"); v == nil || v.Value != "${vars.runtime}" {
			t.Errorf("%s: runtime %v; want ${vars.runtime}", name, v)
		}
		if v := mapValue(props, "instanceConcurrency"); v == nil || v.Value != "${vars.instanceConcurrency}" {
			t.Errorf("%s: instanceConcurrency %v; want ${vars.instanceConcurrency}", name, v)
		}
		crc := mapValue(props, "customRuntimeConfig")
		cmd := mapValue(crc, "command")
		if cmd == nil || cmd.Kind != yaml.SequenceNode || len(cmd.Content) != 1 || cmd.Content[0].Value != "/code/"+fcbuild.Handler {
			t.Errorf("%s: customRuntimeConfig.command %v; want [/code/%s]", name, cmd, fcbuild.Handler)
		}
		if p := mapValue(crc, "port"); p == nil || p.Value != "9000" {
			t.Errorf("%s: customRuntimeConfig.port %v; want 9000 (fcweb.Serve's default)", name, p)
		}
	}
	if n < 3 {
		t.Errorf("%d fc3 functions; want every function of the bundle", n)
	}
}
