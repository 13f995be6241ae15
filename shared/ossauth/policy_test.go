package ossauth

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/internal/nodetools"
)

// TestPolicyJSONMatchesJavaSDK compares the document this package builds with the one pinned by the
// Java SDK's PostPolicyTest testGenPostPolicyWithInAndNotIn (aliyun-oss-java-sdk,
// src/test/java/com/aliyun/oss/integrationtests/PostPolicyTest.java; decoded from its golden
// base64), as JSON values.
func TestPolicyJSONMatchesJavaSDK(t *testing.T) {
	t.Parallel()
	golden := "eyJleHBpcmF0aW9uIjoiMjAyMC0wMy0xOVQwMzo0NDowNi40NzZaIiwiY29uZGl0aW9ucyI6W3siYnVja2V0IjoiZ2VuLXBvc3QtcG9saWN5In0sWyJzdGFydHMtd2l0aCIsIiRrZXkiLCJ1c2VyXC9lcmljIl0sWyJzdGFydHMtd2l0aCIsIiR4LW9zcy1tZXRhLXRhZyIsImR1bW15X2V0YWciXSxbImNvbnRlbnQtbGVuZ3RoLXJhbmdlIiwxLDEwMjRdLFsiaW4iLCIkY29udGVudC10eXBlIixbImltYWdlXC9qcGciLCJpbWFnZVwvcG5nIl1dLFsibm90LWluIiwiJGNhY2hlLWNvbnRyb2wiLFsibm8tY2FjaGUiXV1dfQ=="
	raw, err := base64.StdEncoding.DecodeString(golden)
	if err != nil {
		t.Fatal(err)
	}
	exp := time.Date(2020, 3, 19, 3, 44, 6, 476e6, time.UTC)
	ours, err := policyJSON(exp, nil, []Condition{
		exact("bucket", "gen-post-policy"),
		StartsWith("key", "user/eric"),
		StartsWith("x-oss-meta-tag", "dummy_etag"),
		ContentLengthRange(1, 1024),
		In("content-type", "image/jpg", "image/png"),
	})
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
	// The Java policy ends with a not-in condition, which no flow here writes (so this package has
	// no constructor for it): the rest must be equal.
	conds := a.(map[string]any)["conditions"].([]any)
	if last := conds[len(conds)-1].([]any); last[0] != "not-in" {
		t.Fatalf("the Java policy's last condition is %v, not not-in", last)
	}
	a.(map[string]any)["conditions"] = conds[:len(conds)-1]
	if !reflect.DeepEqual(a, b) {
		t.Errorf("policy JSON differs\n java %s\n ours %s", raw, ours)
	}
}

// TestConditionInjection: a hostile value stays one string inside one condition.
func TestConditionInjection(t *testing.T) {
	t.Parallel()
	evil := `a"],["starts-with","$key","`
	doc, err := policyJSON(time.Unix(1e9, 0), []Condition{exact("x-oss-meta-a", evil)}, []Condition{Eq("key", evil)})
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
	if err := json.Unmarshal(parsed.Conditions[1], &eq); err != nil || len(eq) != 3 || eq[2] != evil {
		t.Errorf("eq condition = %s", parsed.Conditions[1])
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
			[]Condition{StartsWith("key", "uploads/中文 dir/"), ContentLengthRange(1, 5<<30), In("content-type", "image/png", "image/jpeg"), Eq("x-oss-forbid-overwrite", "true")}},
		{"odd characters", Credentials{AccessKeyID: "ak", AccessKeySecret: "sk"},
			[]Condition{Eq("key", `uploads/a"b\c<d>&e~(1)+%20.txt`), Eq("success_action_status", "200")}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var s Signer
			got, err := s.SignPostPolicyV4(c.creds, PostPolicyV4Options{Bucket: "examplebucket", Region: "oss-cn-hangzhou", Expiration: now.Add(10 * time.Minute), Conditions: c.conds}, now)
			if err != nil {
				t.Fatal(err)
			}
			doc, err := base64.StdEncoding.DecodeString(got.Policy)
			if err != nil {
				t.Fatal(err)
			}
			in, _ := json.Marshal(map[string]string{
				"accessKeyId": c.creds.AccessKeyID, "accessKeySecret": c.creds.AccessKeySecret,
				"region": "oss-cn-hangzhou", "policy": string(doc), "date": now.Format(time.RFC3339),
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
				if !bytes.Contains(doc, []byte(must)) {
					t.Errorf("policy lacks %s: %s", must, doc)
				}
			}
			if tok := c.creds.SecurityToken; tok != "" && !bytes.Contains(doc, []byte(`"x-oss-security-token":"`+tok+`"`)) {
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
		var s Signer
		if _, err := s.SignPostPolicyV4(c.creds, PostPolicyV4Options{Bucket: "b", Region: c.region, Expiration: c.exp}, now); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// referencePolicyJSON encodes a policy the plain way: a map per exact condition, []any for the
// others, one encoding/json Encoder without HTML escaping.
func referencePolicyJSON(t *testing.T, exp time.Time, conds []Condition) []byte {
	t.Helper()
	list := []any{}
	for _, c := range conds {
		switch c.kind {
		case "exact":
			list = append(list, map[string]string{c.field: c.value})
		case "eq", "starts-with":
			list = append(list, []any{c.kind, "$" + c.field, c.value})
		case "in":
			list = append(list, []any{c.kind, "$" + c.field, append([]string{}, c.values...)})
		case "content-length-range":
			list = append(list, []any{c.kind, c.min, c.max})
		default:
			t.Fatalf("unknown condition %q", c.kind)
		}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(list); err != nil {
		t.Fatal(err)
	}
	expJSON, _ := json.Marshal(exp.UTC().Format("2006-01-02T15:04:05.000Z"))
	// The policy writes expiration first, as OSS's examples do.
	return []byte(`{"expiration":` + string(expJSON) + `,"conditions":` + strings.TrimSuffix(b.String(), "\n") + `}`)
}

// TestPolicyJSONMatchesPlainEncoding: the policy document is byte for byte what encoding/json
// writes for the plain typed value, for hostile values in every condition, the V4 lead included.
func TestPolicyJSONMatchesPlainEncoding(t *testing.T) {
	t.Parallel()
	exp := benchNow.Add(time.Hour)
	for _, v := range hostileValues {
		conds := []Condition{
			exact("x-oss-meta-"+v, v), Eq("key", v), StartsWith("key", v), In("content-type", v, v+"2"),
			In("content-type"), ContentLengthRange(-1, 5<<30),
		}
		got, err := policyJSON(exp, nil, conds)
		if err != nil {
			t.Fatal(err)
		}
		if want := referencePolicyJSON(t, exp, conds); !bytes.Equal(got, want) {
			t.Errorf("value %q:\n got %s\nwant %s", v, got, want)
		}

		creds := Credentials{AccessKeyID: "ak" + v, AccessKeySecret: "sk", SecurityToken: "tok" + v}
		var s Signer
		signed, err := s.SignPostPolicyV4(creds, PostPolicyV4Options{Bucket: "bucket-" + v, Region: "cn-hangzhou", Expiration: exp, Conditions: conds}, benchNow)
		if err != nil {
			t.Fatal(err)
		}
		lead := []Condition{exact("bucket", "bucket-"+v), exact("x-oss-signature-version", "OSS4-HMAC-SHA256"),
			exact("x-oss-credential", creds.AccessKeyID+"/20261123/cn-hangzhou/oss/aliyun_v4_request"), exact("x-oss-date", "20261123T083000Z"),
			exact("x-oss-security-token", creds.SecurityToken)}
		want := referencePolicyJSON(t, exp, append(lead, conds...))
		if doc, err := base64.StdEncoding.DecodeString(signed.Policy); err != nil || !bytes.Equal(doc, want) {
			t.Errorf("SignPostPolicyV4 %q:\n got %s\nwant %s (%v)", v, doc, want, err)
		}
	}
}

func FuzzPolicyJSON(f *testing.F) {
	for _, v := range hostileValues {
		f.Add(v, v)
	}
	f.Fuzz(func(t *testing.T, field, value string) {
		conds := []Condition{exact(field, value), Eq(field, value), In(field, value, field), ContentLengthRange(int64(len(field)), int64(len(value)))}
		got, err := policyJSON(benchNow, nil, conds)
		if err != nil {
			t.Fatal(err)
		}
		if want := referencePolicyJSON(t, benchNow, conds); !bytes.Equal(got, want) {
			t.Fatalf("\n got %s\nwant %s", got, want)
		}
	})
}
