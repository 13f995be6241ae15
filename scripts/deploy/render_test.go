package deploy_test

import (
	"strings"
	"testing"

	"github.com/fc-oss-upload/fc-oss-upload/scripts/deploy"
)

func TestRenderEscapesAndChecks(t *testing.T) {
	t.Parallel()
	j := []byte(`{"Resource": "acs:oss:*:*:${bucketName}/${uploadDir}*"}` + "\n")
	out, err := deploy.Render("p.json", j, map[string][]string{"bucketName": {"b"}, "uploadDir": {`a"b\c/`}})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"Resource": "acs:oss:*:*:b/a\"b\\c/*"}` + "\n"; string(out) != want {
		t.Errorf("got %s, want %s", out, want)
	}
	for _, tc := range []struct {
		name   string
		values map[string][]string
		errHas string
	}{
		{"missing", map[string][]string{"bucketName": {"b"}}, "no value for uploadDir"},
		{"unused", map[string][]string{"bucketName": {"b"}, "uploadDir": {"u/"}, "bucket": {"typo"}}, "bucket not used"},
		{"repeat in json", map[string][]string{"bucketName": {"a", "b"}, "uploadDir": {"u/"}}, "not valid json"},
		// A RAM wildcard would widen the policy's resource (issue 18 row 9).
		{"wildcard dir", map[string][]string{"bucketName": {"b"}, "uploadDir": {"up?oads/"}}, "uploadDir"},
		{"wildcard bucket", map[string][]string{"bucketName": {"b*"}, "uploadDir": {"u/"}}, "bucketName"},
	} {
		if _, err := deploy.Render("p.json", j, tc.values); err == nil || !strings.Contains(err.Error(), tc.errHas) {
			t.Errorf("%s: err = %v, want it to mention %q", tc.name, err, tc.errHas)
		}
	}

	x := []byte("<R>\n  <O>${allowedOrigin}</O>\n</R>\n")
	out, err = deploy.Render("c.xml", x, map[string][]string{"allowedOrigin": {"http://a&b", "https://c"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := "<R>\n  <O>http://a&amp;b</O>\n  <O>https://c</O>\n</R>\n"; string(out) != want {
		t.Errorf("got %q, want %q", out, want)
	}
	if _, err := deploy.Render("c.txt", x, nil); err == nil {
		t.Error("an unknown file type was accepted")
	}
}
