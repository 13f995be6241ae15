package stscred

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/internal/fakests"
	"github.com/fc-oss-upload/fc-oss-upload/internal/localcred"
	"github.com/fc-oss-upload/fc-oss-upload/shared/ossauth"
)

const testRole = "acs:ram::1234567890123456:role/oss-upload"

var caller = ossauth.Credentials{AccessKeyID: "LTAIcaller", AccessKeySecret: "caller-secret"}

// stsNow is the fake STS's clock: the real time when the test binary started (the SDK stamps
// each call with the real time, and the fake STS checks it is within 15 minutes), fixed from then on.
var stsNow = time.Now().UTC().Truncate(time.Second)

func startSTS(t *testing.T) (*fakests.Server, *Client) {
	t.Helper()
	reg := localcred.NewRegistry()
	reg.Put(localcred.Key{AccessKeyID: caller.AccessKeyID, AccessKeySecret: caller.AccessKeySecret})
	sts, err := fakests.New(fakests.Options{Registry: reg, Roles: map[string]fakests.Role{testRole: {}}, Now: func() time.Time { return stsNow }})
	if err != nil {
		t.Fatal(err)
	}
	addr, err := sts.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sts.Close() })
	c, err := NewClient(ClientOptions{RoleARN: testRole, Endpoint: "http://" + addr, ReadTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return sts, c
}

func input(t *testing.T) AssumeRoleInput {
	p, err := sessionPolicy("examplebucket", "uploads/")
	if err != nil {
		t.Fatal(err)
	}
	return AssumeRoleInput{SessionName: "fc-oss-upload", Policy: p, Duration: 15 * time.Minute}
}

func TestAssumeRole(t *testing.T) {
	t.Parallel()
	sts, c := startSTS(t)
	tok, err := c.AssumeRole(context.Background(), caller, input(t))
	if err != nil {
		t.Fatal(err)
	}
	if want := stsNow.Add(15 * time.Minute); !tok.Expiration.Equal(want) {
		t.Errorf("Expiration %v, want %v (the 15 minutes asked for)", tok.Expiration, want)
	}
	req, _ := sts.LastRequest()
	if req.RoleArn != testRole || req.Policy != input(t).Policy || req.DurationSeconds != 900 || req.AccessKeyID != caller.AccessKeyID {
		t.Errorf("STS saw %+v", req)
	}
}

func TestAssumeRoleErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		fault     fakests.Fault
		caller    ossauth.Credentials
		code      string
		retryable bool
	}{
		{"throttling", fakests.FaultThrottling, caller, "Throttling.User", true},
		{"500", fakests.FaultInternalError, caller, "InternalError", true},
		{"503", fakests.FaultServiceUnavailable, caller, "ServiceUnavailable", true},
		{"malformed body", fakests.FaultMalformedJSON, caller, "", true},
		{"missing credentials", fakests.FaultMissingFields, caller, "MalformedResponse", true},
		{"hang until timeout", fakests.FaultHang, caller, "Timeout", true},
		{"wrong secret", 0, ossauth.Credentials{AccessKeyID: caller.AccessKeyID, AccessKeySecret: "wrong"}, "SignatureDoesNotMatch", false},
		{"unknown key", 0, ossauth.Credentials{AccessKeyID: "LTAIunknown", AccessKeySecret: "x"}, "InvalidAccessKeyId.NotFound", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			sts, client := startSTS(t)
			if c.fault != 0 {
				sts.InjectFaults(c.fault)
			}
			_, err := client.AssumeRole(context.Background(), c.caller, input(t))
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if (c.code != "" && se.Code != c.code) || se.Retryable != c.retryable {
				t.Errorf("got code %q retryable %v (%v); want %q %v", se.Code, se.Retryable, err, c.code, c.retryable)
			}
		})
	}
}

func TestAssumeRoleHonoursDeadline(t *testing.T) {
	t.Parallel()
	sts, c := startSTS(t)
	// The read timeout is an hour: if the caller's deadline were ignored, AssumeRole would hang and
	// the test binary's -timeout would report it; no wall-clock assertion is needed here.
	c.opts.ReadTimeout = time.Hour
	sts.InjectFaults(fakests.FaultHang)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := c.AssumeRole(ctx, caller, input(t))
	// The client stops its call a little before the deadline (it keeps a margin), so ctx itself may
	// not have expired yet: what matters is a retryable Timeout instead of the hour-long wait.
	var se *Error
	if !errors.As(err, &se) || !se.Retryable || se.Code != "Timeout" {
		t.Fatalf("err = %v, want a retryable Timeout from the caller's deadline", err)
	}
}
