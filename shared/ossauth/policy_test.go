package ossauth

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/scripts/nodetools"
)

// TestPolicyJSONMatchesJavaSDK compares the document this package builds with the one pinned by the
// Java SDK's PostPolicyTest (decoded from its golden base64), as JSON values.
func TestPolicyJSONMatchesJavaSDK(t *testing.T) {
	t.Parallel()
	golden := "eyJleHBpcmF0aW9uIjoiMjAyMC0wMy0xOVQwMzo0NDowNi40NzZaIiwiY29uZGl0aW9ucyI6W3siYnVja2V0IjoiZ2VuLXBvc3QtcG9saWN5In0sWyJzdGFydHMtd2l0aCIsIiRrZXkiLCJ1c2VyXC9lcmljIl0sWyJzdGFydHMtd2l0aCIsIiR4LW9zcy1tZXRhLXRhZyIsImR1bW15X2V0YWciXSxbImNvbnRlbnQtbGVuZ3RoLXJhbmdlIiwxLDEwMjRdLFsiaW4iLCIkY29udGVudC10eXBlIixbImltYWdlXC9qcGciLCJpbWFnZVwvcG5nIl1dLFsibm90LWluIiwiJGNhY2hlLWNvbnRyb2wiLFsibm8tY2FjaGUiXV1dfQ=="
	raw, err := base64.StdEncoding.DecodeString(golden)
	if err != nil {
		t.Fatal(err)
	}
	p := Policy{
		Expiration: time.Date(2020, 3, 19, 3, 44, 6, 476e6, time.UTC),
		Conditions: []Condition{
			Exact("bucket", "gen-post-policy"),
			StartsWith("key", "user/eric"),
			StartsWith("x-oss-meta-tag", "dummy_etag"),
			ContentLengthRange(1, 1024),
			In("content-type", "image/jpg", "image/png"),
			NotIn("cache-control", "no-cache"),
		},
	}
	ours, err := p.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var a, b any
	if err := json.Unmarshal(raw, &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(ours, &b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("policy JSON differs\n java %s\n ours %s", raw, ours)
	}
}

// TestConditionInjection: a hostile value stays one string inside one condition.
func TestConditionInjection(t *testing.T) {
	t.Parallel()
	evil := `a"],["starts-with","$key","`
	doc, err := Policy{Expiration: time.Unix(1e9, 0), Conditions: []Condition{Eq("key", evil), Exact("x-oss-meta-a", evil)}}.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var parsed struct {
		Conditions []json.RawMessage `json:"conditions"`
	}
	if err := json.Unmarshal(doc, &parsed); err != nil {
		t.Fatal(err)
	}
	if len(parsed.Conditions) != 2 {
		t.Fatalf("got %d conditions, want 2: %s", len(parsed.Conditions), doc)
	}
	var eq []string
	if err := json.Unmarshal(parsed.Conditions[0], &eq); err != nil || len(eq) != 3 || eq[2] != evil {
		t.Errorf("eq condition = %s", parsed.Conditions[0])
	}
}

// TestPostPolicyV4MatchesAliOSS signs policies with this package and with ali-oss's own
// signPostObjectPolicyV4 run under node, and requires the same base64 policy and signature.
func TestPostPolicyV4MatchesAliOSS(t *testing.T) {
	t.Parallel()
	mods, err := nodetools.Ensure()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 23, 8, 30, 5, 0, time.UTC)
	cases := []struct {
		name  string
		creds Credentials
		conds []Condition
	}{
		{"long-term key, exact key", Credentials{AccessKeyID: "LTAI5tExample", AccessKeySecret: "secret"},
			[]Condition{Eq("key", "uploads/2026/11/a.png"), ContentLengthRange(0, 10<<20)}},
		{"sts, prefix and types", Credentials{AccessKeyID: "STS.NUabc", AccessKeySecret: "s/+=cret", SecurityToken: "CAIS+/=token"},
			[]Condition{StartsWith("key", "uploads/中文 dir/"), ContentLengthRange(1, 5<<30), In("content-type", "image/png", "image/jpeg"), Exact("x-oss-forbid-overwrite", "true")}},
		{"odd characters", Credentials{AccessKeyID: "ak", AccessKeySecret: "sk"},
			[]Condition{Eq("key", `uploads/a"b\c<d>&e~(1)+%20.txt`), Eq("success_action_status", "200")}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := SignPostPolicyV4(c.creds, "examplebucket", "oss-cn-hangzhou", Policy{Expiration: now.Add(10 * time.Minute), Conditions: c.conds}, now)
			if err != nil {
				t.Fatal(err)
			}
			in, _ := json.Marshal(map[string]string{
				"accessKeyId": c.creds.AccessKeyID, "accessKeySecret": c.creds.AccessKeySecret,
				"region": "oss-cn-hangzhou", "policy": string(got.JSON), "date": now.Format(time.RFC3339),
			})
			cmd := exec.Command("node", filepath.Join("testdata", "alioss_post_v4.js"))
			cmd.Env = append(cmd.Environ(), "NODE_PATH="+mods)
			cmd.Stdin = bytes.NewReader(in)
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("node: %v", err)
			}
			var want struct{ Policy, Signature string }
			if err := json.Unmarshal(out, &want); err != nil {
				t.Fatalf("node output %q: %v", out, err)
			}
			if got.Policy != want.Policy {
				t.Errorf("policy base64 differs from JSON.stringify's:\n ours %s\n node %s", got.Policy, want.Policy)
			}
			if got.Signature != want.Signature {
				t.Errorf("signature %s, ali-oss %s", got.Signature, want.Signature)
			}
			// The V4 fields are bound into the signed document.
			for _, must := range []string{`{"x-oss-credential":"` + got.Credential + `"}`, `{"x-oss-date":"` + got.Date + `"}`, `{"bucket":"examplebucket"}`, `{"x-oss-signature-version":"OSS4-HMAC-SHA256"}`} {
				if !bytes.Contains(got.JSON, []byte(must)) {
					t.Errorf("policy lacks %s: %s", must, got.JSON)
				}
			}
			if tok := c.creds.SecurityToken; tok != "" && !bytes.Contains(got.JSON, []byte(`"x-oss-security-token":"`+tok+`"`)) {
				t.Errorf("policy lacks the security token")
			}
		})
	}
}

func TestSignPostPolicyV4Rejects(t *testing.T) {
	t.Parallel()
	now := time.Unix(1.7e9, 0)
	good := Credentials{AccessKeyID: "ak", AccessKeySecret: "sk"}
	cases := map[string]struct {
		creds  Credentials
		region string
		exp    time.Time
	}{
		"no secret":     {Credentials{AccessKeyID: "ak"}, "cn-hangzhou", now.Add(time.Minute)},
		"no region":     {good, "", now.Add(time.Minute)},
		"expired":       {good, "cn-hangzhou", now},
		"beyond 7 days": {good, "cn-hangzhou", now.Add(MaxPresignExpiry + time.Second)},
	}
	for name, c := range cases {
		if _, err := SignPostPolicyV4(c.creds, "b", c.region, Policy{Expiration: c.exp}, now); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
