// Command baseline is the approach of Alibaba's published Go sample for STS upload credentials
// ("CreateClient" + "AssumeRole" in the OSS documentation), as a Function Compute 3.0 go1 handler so
// that scripts/bench can run it under the same emulator and fake STS as this project's functions:
// every request builds a credentials provider and an STS client from the function's credentials and
// calls AssumeRole, then returns the response as JSON. Nothing is cached.
//
// It exists only to be measured against; it is not deployed. Settings: OSS_STS_ENDPOINT (URL of
// the STS endpoint), OSS_STS_ROLE_ARN, and the function role's ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET/
// ALIBABA_CLOUD_SECURITY_TOKEN that FC puts in the environment. One JSON line per request on stdout
// ({"msg":"access","function":"baseline","path":…,"status":…,"durationUs":…}), like the project's
// access log, so that the benchmark can read the handler's own time.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	sts20150401 "github.com/alibabacloud-go/sts-20150401/v2/client"
	util "github.com/alibabacloud-go/tea-utils/v2/service"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/aliyun/credentials-go/credentials"
	"github.com/aliyun/fc-runtime-go-sdk/events"
	"github.com/aliyun/fc-runtime-go-sdk/fc"
)

const page = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>upload</title></head><body><p>baseline</p></body></html>`

// createClient is the sample's CreateClient, with the credentials handed over as a credentials-go
// provider (the role's temporary credentials need their security token) and the endpoint of the
// local fake STS.
func createClient() (*sts20150401.Client, error) {
	cred, err := credentials.NewCredential(new(credentials.Config).
		SetType("sts").
		SetAccessKeyId(os.Getenv("ALIBABA_CLOUD_ACCESS_KEY_ID")).
		SetAccessKeySecret(os.Getenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET")).
		SetSecurityToken(os.Getenv("ALIBABA_CLOUD_SECURITY_TOKEN")))
	if err != nil {
		return nil, err
	}
	config := &openapi.Config{Credential: cred, Endpoint: tea.String("sts.cn-hangzhou.aliyuncs.com")}
	if u, err := url.Parse(os.Getenv("OSS_STS_ENDPOINT")); err == nil && u.Host != "" {
		config.Endpoint, config.Protocol = tea.String(u.Host), tea.String(u.Scheme)
	}
	return sts20150401.NewClient(config)
}

// assumeRole is the sample's AssumeRole.
func assumeRole(client *sts20150401.Client) (*sts20150401.AssumeRoleResponse, error) {
	return client.AssumeRoleWithOptions(&sts20150401.AssumeRoleRequest{
		DurationSeconds: tea.Int64(3600),
		RoleArn:         tea.String(os.Getenv("OSS_STS_ROLE_ARN")),
		RoleSessionName: tea.String("baseline-demo"),
	}, &util.RuntimeOptions{})
}

func handle(ctx context.Context, ev events.HTTPTriggerEvent) (*events.HTTPTriggerResponse, error) {
	start := time.Now()
	path := tea.StringValue(ev.RawPath)
	resp := serve(path)
	line, _ := json.Marshal(map[string]any{"msg": "access", "function": "baseline", "path": path,
		"status": resp.StatusCode, "durationUs": time.Since(start).Microseconds()})
	fmt.Println(string(line))
	return resp, nil
}

func serve(path string) *events.HTTPTriggerResponse {
	switch path {
	case "/":
		return &events.HTTPTriggerResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "text/html; charset=utf-8"}, Body: page}
	case "/get_sts_token_for_oss_upload":
		client, err := createClient()
		if err != nil {
			return fail(err)
		}
		out, err := assumeRole(client)
		if err != nil {
			return fail(err)
		}
		b, err := json.Marshal(out)
		if err != nil {
			return fail(err)
		}
		return &events.HTTPTriggerResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "application/json"}, Body: string(b)}
	}
	return &events.HTTPTriggerResponse{StatusCode: 404, Body: "not found"}
}

// fail answers 500; the sample panics instead, which FC would turn into a function error.
func fail(err error) *events.HTTPTriggerResponse {
	fmt.Fprintln(os.Stderr, "baseline:", err)
	return &events.HTTPTriggerResponse{StatusCode: 500, Body: "internal error"}
}

func main() { fc.Start(handle) }
