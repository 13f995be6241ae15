package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fc-oss-upload/fc-oss-upload/internal/fakests"
	"github.com/fc-oss-upload/fc-oss-upload/internal/localcred"
	"github.com/fc-oss-upload/fc-oss-upload/shared/config"
	"github.com/fc-oss-upload/fc-oss-upload/shared/fcweb/fcwebtest"
)

// refusingStack is the sts function in front of a fake STS whose upload role trusts another caller,
// as after a one-click deploy that let the form create the upload role: AssumeRole answers NoPermission.
func refusingStack(t *testing.T, env map[string]string) *stack {
	t.Helper()
	reg := localcred.NewRegistry()
	reg.Put(localcred.Key{AccessKeyID: functionRole.AccessKeyID, AccessKeySecret: functionRole.AccessKeySecret, SecurityToken: functionRole.SecurityToken})
	sts, err := fakests.New(fakests.Options{Registry: reg, Roles: map[string]fakests.Role{roleARN: {Principals: []string{"STS.someone-else"}}}})
	if err != nil {
		t.Fatal(err)
	}
	addr, err := sts.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sts.Close() })
	vars := map[string]string{"OSS_BUCKET": "examplebucket", "OSS_REGION": "cn-hangzhou", "OSS_STS_ROLE_ARN": roleARN, "OSS_STS_ENDPOINT": "http://" + addr}
	for k, v := range env {
		vars[k] = v
	}
	cfg, err := config.Load(config.FunctionSTS, func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	h, err := newTestHandler(cfg, staticCreds{functionRole}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &stack{h: h, sts: sts, reg: reg}
}

// policyDocs returns the RAM policy documents embedded in a message, each decoded from where
// {"Version" starts up to the end of that JSON value.
func policyDocs(t *testing.T, msg string) []string {
	t.Helper()
	var docs []string
	for rest := msg; ; {
		i := strings.Index(rest, `{"Version"`)
		if i < 0 {
			return docs
		}
		dec := json.NewDecoder(strings.NewReader(rest[i:]))
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			t.Fatalf("policy document in the message is not JSON: %v\n%s", err, rest[i:])
		}
		docs = append(docs, string(raw))
		rest = rest[i+int(dec.InputOffset()):]
	}
}

// TestRefusedAssumeRoleSaysWhatToChange: the first refused AssumeRole answers a 503 whose message, and
// the function's log, name both roles and carry the trust policy and grant to paste, as valid JSON.
// Not parallel: it swaps os.Stdout to read the function's log.
func TestRefusedAssumeRoleSaysWhatToChange(t *testing.T) {
	const fnRole = "acs:ram::1234567890123456:role/fc-oss-upload-sts"
	// The function logs JSON lines to stdout (fcweb's default logger, made when the handler is built).
	logFile, err := os.CreateTemp(t.TempDir(), "stdout")
	if err != nil {
		t.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = logFile
	s := refusingStack(t, map[string]string{"OSS_STS_FUNCTION_ROLE_ARN": fnRole})
	os.Stdout = stdout
	r := fcwebtest.Invoke(t, s.h, fcwebtest.Fixture(t, filepath.Join("testdata", "get_token.json")), functionRole)
	logFile.Close()
	logBytes, _ := os.ReadFile(logFile.Name())
	logs := bytes.NewBuffer(logBytes)
	if r.Status != 503 || r.ErrorCode(t) != "unavailable" {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	if r.Headers.Get("Retry-After") != "" {
		t.Error("Retry-After on a permission error: retrying does not help until the roles change")
	}
	if st := s.sts.Stats(); st.Calls != 1 {
		t.Errorf("%d AssumeRole calls, want 1 (NoPermission is not retried)", st.Calls)
	}
	var body struct {
		Error struct{ Message string } `json:"error"`
	}
	r.JSON(t, &body)
	msg := body.Error.Message
	for _, want := range []string{roleARN, "trust policy of role oss-upload", "give role fc-oss-upload-sts", "NoPermission"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message does not contain %q:\n%s", want, msg)
		}
	}
	docs := policyDocs(t, msg)
	if len(docs) != 2 {
		t.Fatalf("message holds %d policy documents, want the trust policy and the grant:\n%s", len(docs), msg)
	}
	var trust, grant struct {
		Statement []struct {
			Effect, Action string
			Principal      map[string][]string
			Resource       string
		}
	}
	if err := json.Unmarshal([]byte(docs[0]), &trust); err != nil {
		t.Fatalf("trust policy is not JSON: %v: %s", err, docs[0])
	}
	if err := json.Unmarshal([]byte(docs[1]), &grant); err != nil {
		t.Fatalf("grant is not JSON: %v: %s", err, docs[1])
	}
	if st := trust.Statement[0]; st.Effect != "Allow" || st.Action != "sts:AssumeRole" || len(st.Principal["RAM"]) != 1 || st.Principal["RAM"][0] != fnRole {
		t.Errorf("trust policy %s does not let exactly %s assume the role", docs[0], fnRole)
	}
	if st := grant.Statement[0]; st.Effect != "Allow" || st.Action != "sts:AssumeRole" || st.Resource != roleARN {
		t.Errorf("grant %s is not sts:AssumeRole on %s", docs[1], roleARN)
	}
	for _, secret := range []string{functionRole.AccessKeySecret, functionRole.SecurityToken} {
		if strings.Contains(msg, secret) || strings.Contains(logs.String(), secret) {
			t.Error("a function role secret leaked into the message or the log")
		}
	}
	if !strings.Contains(logs.String(), docs[0]) && !strings.Contains(logs.String(), strings.ReplaceAll(docs[0], `"`, `\"`)) {
		t.Errorf("the log does not carry the trust policy:\n%s", logs.String())
	}
}

// TestRefusedAssumeRoleWithoutFunctionRole: without OSS_STS_FUNCTION_ROLE_ARN the message still gives
// both documents, naming the sts function's role by where to find it.
func TestRefusedAssumeRoleWithoutFunctionRole(t *testing.T) {
	t.Parallel()
	s := refusingStack(t, nil)
	r := fcwebtest.Invoke(t, s.h, fcwebtest.Fixture(t, filepath.Join("testdata", "get_token.json")), functionRole)
	var body struct {
		Error struct{ Message string } `json:"error"`
	}
	r.JSON(t, &body)
	if r.Status != 503 || len(policyDocs(t, body.Error.Message)) != 2 || !strings.Contains(body.Error.Message, "the role attached to the sts function") {
		t.Errorf("%d %s", r.Status, body.Error.Message)
	}
}
