package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/shared/config"
)

// TestBurstSmall runs the burst benchmark scaled down (LONG_TESTS=1 only: it starts tens of
// processes) and checks its invariants, never its timings: every client answered; on the custom
// runtime no 503 and at most one AssumeRole per instance started; on go1 at least one AssumeRole per
// sts instance started (each is a new process with a cold cache), unless it was provisioned and
// initialised ahead.
func TestBurstSmall(t *testing.T) {
	if os.Getenv("LONG_TESTS") != "1" {
		t.Skip("LONG_TESTS=1 runs it")
	}
	const clients = 150
	rep, err := RunBurst(context.Background(), BurstOptions{Clients: clients, MaxInstances: 15, Concurrency: 100, Provisioned: 5, Duration: 4 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	var md strings.Builder
	rep.WriteMarkdown(&md)
	t.Log("\n" + md.String())
	if want := len(burstSetups(rep.Options)) * len(config.Authorizers); len(rep.Rows) != want {
		t.Fatalf("%d rows; want %d", len(rep.Rows), want)
	}
	for _, r := range rep.Rows {
		if r.OK+r.Unavailable+r.Other != clients || r.Other != 0 {
			t.Errorf("%s, %s: %d 200 + %d 503 + %d other; want %d answers, none other", r.Setup, r.Function, r.OK, r.Unavailable, r.Other, clients)
		}
		if r.InstancesStarted < 1 || r.InstancesStarted > 15 {
			t.Errorf("%s, %s: %d instances started; want 1-15 (the cap)", r.Setup, r.Function, r.InstancesStarted)
		}
		if r.Function != config.FunctionSTS && r.AssumeRole != 0 {
			t.Errorf("%s, %s: %d AssumeRole calls; the signers make none", r.Setup, r.Function, r.AssumeRole)
		}
		if r.Function != config.FunctionSTS {
			continue
		}
		if strings.HasPrefix(r.Setup, "custom") {
			if r.Unavailable != 0 || r.AssumeRole > r.InstancesStarted {
				t.Errorf("%s: %d × 503, %d AssumeRole for %d instances; want 0 × 503 and at most one call per instance", r.Setup, r.Unavailable, r.AssumeRole, r.InstancesStarted)
			}
		} else if r.AssumeRole < r.InstancesStarted {
			t.Errorf("%s: %d AssumeRole for %d instances; each new go1 instance has a cold cache", r.Setup, r.AssumeRole, r.InstancesStarted)
		}
	}
}
