package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/internal/fakests"
	"github.com/fc-oss-upload/fc-oss-upload/scripts/devstack"
	"github.com/fc-oss-upload/fc-oss-upload/scripts/fcemu"
	"github.com/fc-oss-upload/fc-oss-upload/shared/config"
)

// BurstOptions bound a burst run (-burst). Zero fields take the flags' defaults.
type BurstOptions struct {
	Clients      int           // distinct clients per burst (default 1000)
	Spread       time.Duration // the clients arrive evenly within it (default 1 s)
	MaxInstances int           // FC's instance cap for the function (default 100)
	Concurrency  int           // the custom runtime's instanceConcurrency (default 100)
	Provisioned  int           // provisioned instances of the go1 mitigation row (default 20)
	RateLimit    int           // fake STS AssumeRole/s (default fakests.DefaultRateLimit)
	STSDelay     time.Duration // fake STS answer time (default 40 ms)
	Duration     time.Duration // cap of the whole run (default 5 min)
	Bins         map[string]string
	Progress     io.Writer
}

func (o BurstOptions) withDefaults() BurstOptions {
	if o.Clients <= 0 {
		o.Clients = 1000
	}
	if o.Spread <= 0 {
		o.Spread = time.Second
	}
	if o.MaxInstances <= 0 {
		o.MaxInstances = 100
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 100
	}
	if o.Provisioned < 0 {
		o.Provisioned = 0
	} else if o.Provisioned == 0 {
		o.Provisioned = 20
	}
	if o.RateLimit <= 0 {
		o.RateLimit = fakests.DefaultRateLimit
	}
	if o.STSDelay <= 0 {
		o.STSDelay = 40 * time.Millisecond
	}
	if o.Duration <= 0 {
		o.Duration = 5 * time.Minute
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	return o
}

// BurstSetup is one way of deploying the functions, measured under the same burst.
type BurstSetup struct {
	Name    string
	Scaling fcemu.Scaling
	// Initializer runs the function's initializer in every new instance before its first request
	// (FC's initializer; the sts function fetches its credentials there).
	Initializer bool
}

// BurstRow is one burst at one function on one setup.
type BurstRow struct {
	Setup, Function  string
	InstancesStarted int
	AssumeRole       int // calls that reached the fake STS from the stack's start (provisioned instances' included), throttled ones included
	Throttled        int // calls the fake STS answered Throttling
	OK, Unavailable  int // answers 200 and 503
	Other            int // any other answer, or no answer
	P50, P99         time.Duration
}

// BurstReport is the result of RunBurst.
type BurstReport struct {
	Options BurstOptions
	Rows    []BurstRow
}

// burstSetups are the deployments compared: go1 as deployed by default, go1 with the mitigations
// that need no custom runtime, and the custom runtime with instance concurrency.
func burstSetups(o BurstOptions) []BurstSetup {
	return []BurstSetup{
		{Name: "go1", Scaling: fcemu.Scaling{Runtime: fcemu.RuntimeGo1, MaxInstances: o.MaxInstances}},
		{Name: "go1 + initializer", Initializer: true, Scaling: fcemu.Scaling{Runtime: fcemu.RuntimeGo1, MaxInstances: o.MaxInstances}},
		{Name: fmt.Sprintf("go1 + %d provisioned (initialized)", o.Provisioned), Initializer: true,
			Scaling: fcemu.Scaling{Runtime: fcemu.RuntimeGo1, MaxInstances: o.MaxInstances, Provisioned: o.Provisioned}},
		{Name: fmt.Sprintf("custom runtime, instanceConcurrency %d", o.Concurrency),
			Scaling: fcemu.Scaling{Runtime: fcemu.RuntimeCustom, MaxInstances: o.MaxInstances, InstanceConcurrency: o.Concurrency}},
	}
}

// RunBurst sends, for each setup and each function in turn (sts first), o.Clients distinct clients
// (one connection each) spread evenly over o.Spread, against a fresh local stack whose fake STS
// throttles at o.RateLimit, and counts what happened.
func RunBurst(ctx context.Context, o BurstOptions) (rep BurstReport, err error) {
	o = o.withDefaults()
	rep.Options = o
	ctx, cancel := context.WithTimeout(ctx, o.Duration)
	defer cancel()
	progress := func(format string, args ...any) { fmt.Fprintf(o.Progress, "bench: "+format+"\n", args...) }
	bins := map[string]string{}
	for k, v := range o.Bins {
		bins[k] = v
	}
	if slices.ContainsFunc(config.Functions, func(n string) bool { return bins[n] == "" }) {
		dir, err := os.MkdirTemp("", "fc-oss-upload-burst-")
		if err != nil {
			return rep, err
		}
		defer os.RemoveAll(dir)
		progress("building the functions as deployed")
		if bins, err = devstack.Build(ctx, filepath.Join(dir, "bin"), false); err != nil {
			return rep, err
		}
	}
	for _, setup := range burstSetups(o) {
		for _, fn := range config.Authorizers {
			progress("%s: %d clients within %v at %s", setup.Name, o.Clients, o.Spread, fn)
			row, err := burstOnce(ctx, o, bins, setup, fn)
			if err != nil {
				return rep, fmt.Errorf("%s, %s: %w", setup.Name, fn, err)
			}
			rep.Rows = append(rep.Rows, row)
		}
	}
	return rep, nil
}

func burstOnce(ctx context.Context, o BurstOptions, bins map[string]string, setup BurstSetup, fn string) (BurstRow, error) {
	row := BurstRow{Setup: setup.Name, Function: fn}
	sc := setup.Scaling
	// Only the function under test gets provisioned instances: the others' initializers would
	// otherwise count toward this burst's AssumeRole calls.
	provisioned := map[string]int{}
	for _, other := range config.Functions {
		if other != fn {
			provisioned[other] = 0
		}
	}
	stack, err := devstack.Start(ctx, devstack.Options{
		Bins: bins, Scaling: &sc, Provisioned: provisioned, STSRateLimit: o.RateLimit, Initializer: setup.Initializer,
	})
	if err != nil {
		return row, err
	}
	defer stack.Close()
	stack.STS.SetDelay(o.STSDelay, 0)
	url := stack.FunctionURLs[fn] + apiRequest[fn]
	lat := make([]time.Duration, o.Clients)
	status := make([]int, o.Clients)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range o.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			at := start.Add(time.Duration(i) * o.Spread / time.Duration(o.Clients))
			t := time.NewTimer(time.Until(at))
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return
			}
			// A distinct client: its own connection, closed after the answer.
			c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 30 * time.Second}
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			req.Header.Set("Accept", "application/json")
			sent := time.Now()
			resp, err := c.Do(req)
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				status[i] = resp.StatusCode
			}
			lat[i] = time.Since(sent)
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return row, fmt.Errorf("run cut short (-duration): %w", err)
	}
	// A fresh stack: every call counts, provisioned instances' initializers included.
	st := stack.STS.Stats()
	row.AssumeRole, row.Throttled = st.Calls, st.Throttled
	row.InstancesStarted = stack.Pools[fn].Stats().InstancesStarted
	for _, s := range status {
		switch s {
		case http.StatusOK:
			row.OK++
		case http.StatusServiceUnavailable:
			row.Unavailable++
		default:
			row.Other++
		}
	}
	row.P50, row.P99 = percentile(lat, 50), percentile(lat, 99)
	return row, nil
}

// WriteMarkdown writes the burst table.
func (r BurstReport) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	b.WriteString("| setup | function | instances started | AssumeRole calls | throttled | 200 | 503 | other | p50 ms | p99 ms |\n")
	b.WriteString("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, row := range r.Rows {
		fmt.Fprintf(&b, "| %s | %s | %d | %d | %d | %d | %d | %d | %.0f | %.0f |\n", row.Setup, row.Function, row.InstancesStarted,
			row.AssumeRole, row.Throttled, row.OK, row.Unavailable, row.Other, ms(row.P50), ms(row.P99))
	}
	o := r.Options
	fmt.Fprintf(&b, "\n%d distinct clients (one connection each) arriving evenly within %v at one function of a fresh stack; at most %d instances; fake STS throttling at %d AssumeRole/s, answering in %v; function timeout 10 s; %d CPUs, %s.\n",
		o.Clients, o.Spread, o.MaxInstances, o.RateLimit, o.STSDelay, runtime.NumCPU(), runtime.Version())
	_, err := io.WriteString(w, b.String())
	return err
}
