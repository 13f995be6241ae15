package fakests_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	openapiutil "github.com/alibabacloud-go/openapi-util/service"
	"github.com/alibabacloud-go/tea/tea"
)

// TestFormBodyParams sends AssumeRole the way credentials-go's ram_role_arn provider does: common
// parameters in the query, action parameters in a form body, signature over both. The signature is
// computed by openapi-util, not by the fake's own code.
func TestFormBodyParams(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	query := map[string]string{
		"Version":          "2015-04-01",
		"Action":           "AssumeRole",
		"Format":           "JSON",
		"Timestamp":        time.Now().UTC().Format("2006-01-02T15:04:05Z"),
		"SignatureMethod":  "HMAC-SHA1",
		"SignatureVersion": "1.0",
		"SignatureNonce":   "form-nonce-1",
		"AccessKeyId":      callerAK,
	}
	body := map[string]string{
		"RoleArn":         roleArn,
		"RoleSessionName": "form_session",
		"DurationSeconds": "1800",
		"Policy":          sessionPol,
	}
	signed := map[string]*string{}
	for k, v := range query {
		signed[k] = tea.String(v)
	}
	for k, v := range body {
		signed[k] = tea.String(v)
	}
	query["Signature"] = tea.StringValue(openapiutil.GetRPCSignature(signed, tea.String("POST"), tea.String(callerSecret)))

	q, form := url.Values{}, url.Values{}
	for k, v := range query {
		q.Set(k, v)
	}
	for k, v := range body {
		form.Set(k, v)
	}
	resp, err := http.Post("http://"+f.addr+"/?"+q.Encode(), "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, raw)
	}
	var out struct {
		Credentials struct{ AccessKeyId, AccessKeySecret, SecurityToken, Expiration string }
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	if out.Credentials.Expiration != f.now.Add(1800*time.Second).Format("2006-01-02T15:04:05Z") {
		t.Errorf("Expiration %s", out.Credentials.Expiration)
	}
	if k, ok := f.reg.Lookup(out.Credentials.AccessKeyId); !ok || string(k.Policy) != sessionPol {
		t.Errorf("registry: %v %v", ok, k)
	}
	last, _ := f.fake.LastRequest()
	if !last.FromBody || last.RoleSessionName != "form_session" || last.DurationSeconds != 1800 || last.Policy != sessionPol {
		t.Errorf("LastRequest %+v", last)
	}
}
