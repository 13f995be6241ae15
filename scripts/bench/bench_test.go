package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/shared/config"
)

// TestRunTiny runs the whole benchmark in a tiny mode on the real binaries and checks the report's
// shape and invariants, never its timings: every function and the baseline measured, nothing zero
// that cannot be, no failed request, at most one AssumeRole per credential lifetime for ours and one
// per request for the baseline.
func TestRunTiny(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the functions and starts the local stack")
	}
	const n = 20
	// Duration is only a safety net, far above what the run needs: under `go test -race ./...` on a
	// shared machine the build and the runs can take minutes, and this test checks no timing.
	rep, err := Run(context.Background(), Options{N: n, C: 4, Cold: 2, Duration: 15 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	var md strings.Builder
	if err := rep.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	table := md.String()
	t.Log("\n" + table)

	for _, name := range append(append([]string(nil), config.Authorizers...), Baseline) {
		row, ok := rep.Row(name)
		if !ok {
			t.Fatalf("no row for %s", name)
		}
		if !strings.Contains(table, "| "+name+" |") {
			t.Errorf("the table has no line for %s", name)
		}
		// The baseline calls AssumeRole per request without retrying: each call the fake STS throttles
		// (at STS's 100/s) is one of its errors; the functions have none.
		wantErrors := 0
		if name == Baseline {
			wantErrors = row.Throttled
		}
		if row.Requests != n || row.Errors != wantErrors {
			t.Errorf("%s: %d requests, %d errors (%d throttled); want %d and %d", name, row.Requests, row.Errors, row.Throttled, n, wantErrors)
		}
		for what, v := range map[string]float64{
			"binary size": float64(row.BinaryBytes), "zip size": float64(row.ZipBytes), "cold start (page)": float64(row.ColdPage),
			"cold start (API)": float64(row.ColdAPI), "p50": float64(row.P50), "p99": float64(row.P99), "req/s": row.RPS,
			"peak RSS": float64(row.PeakRSSBytes), "handler p50": float64(row.HandlerP50),
		} {
			if v <= 0 {
				t.Errorf("%s: %s is %v, want > 0", name, what, v)
			}
		}
		if row.P99 < row.P50 || row.HandlerP99 < row.HandlerP50 || row.ZipBytes >= row.BinaryBytes {
			t.Errorf("%s: inconsistent: p50 %v p99 %v, handler p50 %v p99 %v, zip %d binary %d", name, row.P50, row.P99, row.HandlerP50, row.HandlerP99, row.ZipBytes, row.BinaryBytes)
		}
		switch name {
		case config.FunctionSTS:
			// One instance, one prefix, credentials that live an hour: one AssumeRole in all.
			if row.STSCalls > 1 {
				t.Errorf("sts made %d AssumeRole calls for %d requests; want at most 1 per credential lifetime", row.STSCalls, n)
			}
		case Baseline:
			if row.STSCalls != n {
				t.Errorf("baseline made %d AssumeRole calls for %d requests; the sample makes one per request", row.STSCalls, n)
			}
		default:
			if row.STSCalls != 0 {
				t.Errorf("%s made %d AssumeRole calls; it signs with the role's own credentials", name, row.STSCalls)
			}
		}
	}
	if got := strings.Count(table, " ÷ "+Baseline+"* |"); got != len(config.Authorizers) {
		t.Errorf("%d ratio lines, want %d", got, len(config.Authorizers))
	}
}
