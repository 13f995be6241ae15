// Package devstack runs the whole bundle on this machine: the four handler binaries, built exactly
// as they are deployed (linux/amd64, static, trimmed), each under the FC runtime-API emulator
// (scripts/fcemu) behind its own HTTP trigger front; a fake STS (internal/fakests) and a strict local
// OSS (internal/localoss) sharing one key registry; and one origin that routes by path the way the
// fc3-domain custom domain does, serving the demo pages. With Options.Callbacks the local OSS calls
// the callback function (OSS_CALLBACK_URL is the origin's /oss_upload_callback) after each upload;
// the callback function trusts only the local OSS's key. Each function runs with a key of its own
// (Stack.Roles) whose identity policy is its role's file of scripts/deploy/policies, rendered for the
// stack's bucket and prefix; the fake STS's upload role carries upload-role.json; so the local OSS
// and fake STS allow each function only what its role will be allowed in the cloud.
// StartWebhook starts a receiver for the callback function's Standard Webhooks notifications.
//
// With Options.Real the fake STS and local OSS are not started: the functions get the caller's
// OSS_* settings and the ALIBABA_CLOUD_* credentials as their role, and talk to Alibaba Cloud.
//
// It is used by the dev command (scripts/dev), the end-to-end tests and the browser tests.
package devstack
