package fakests

import (
	"testing"

	openapiutil "github.com/alibabacloud-go/openapi-util/service"
	"github.com/alibabacloud-go/tea/tea"
)

// TestRPCSignatureMatchesOpenAPIUtil is a differential check of the fake's own signer against the
// SDK's (openapi-util GetRPCSignature), with values that stress percent-encoding.
func TestRPCSignatureMatchesOpenAPIUtil(t *testing.T) {
	t.Parallel()
	cases := []map[string]string{
		{"Action": "AssumeRole", "Timestamp": "2025-01-01T00:00:00Z"},
		{"Policy": `{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"acs:oss:*:*:b/u 1/+a%2F*~()"}]}`},
		{"RoleSessionName": "中文 name", "a b": "c&d=e", "Star*": "~tilde", "plus+": "+", "slash/": "/"},
		{"Empty": "", "SecurityToken": "CAIS+abc/def==", "x": "\x00\xff"},
	}
	for _, secret := range []string{"secret", "s+/=&*~ 中"} {
		for i, params := range cases {
			ptrs := map[string]*string{}
			for k, v := range params {
				ptrs[k] = tea.String(v)
			}
			for _, method := range []string{"POST", "GET"} {
				want := tea.StringValue(openapiutil.GetRPCSignature(ptrs, tea.String(method), tea.String(secret)))
				if got := rpcSignature(method, params, secret); got != want {
					t.Errorf("case %d %s: got %s, want %s", i, method, got, want)
				}
				if !signatureMatches(method, params, secret, want) {
					t.Errorf("case %d %s: signatureMatches false", i, method)
				}
			}
		}
	}
}
