package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/internal/fakests"
	"github.com/fc-oss-upload/fc-oss-upload/scripts/build/fcbuild"
	"github.com/fc-oss-upload/fc-oss-upload/scripts/devstack"
	"github.com/fc-oss-upload/fc-oss-upload/scripts/fcemu"
	"github.com/fc-oss-upload/fc-oss-upload/shared/config"
)

// Baseline is the row name of Alibaba's published approach (scripts/bench/baseline).
const Baseline = "baseline"

// Options bound a run. Zero fields take the defaults of the command's flags.
type Options struct {
	N        int           // API requests per function in the warm run
	C        int           // concurrent clients in the warm run
	Cold     int           // fresh processes per function and per cold-start kind
	Duration time.Duration // cap of the whole run, build included
	// STSDelay and STSJitter make the fake STS answer in STSDelay + [0, STSJitter).
	STSDelay, STSJitter time.Duration
	// Bins are prebuilt binaries by name (the three functions and Baseline); missing ones are built.
	Bins map[string]string
	// Progress receives one line per step; nil discards.
	Progress io.Writer
}

func (o Options) withDefaults() Options {
	if o.N <= 0 {
		o.N = 2000
	}
	if o.C <= 0 {
		o.C = 16
	}
	if o.Cold <= 0 {
		o.Cold = 10
	}
	if o.Duration <= 0 {
		o.Duration = 3 * time.Minute
	}
	if o.STSDelay == 0 && o.STSJitter == 0 {
		o.STSDelay, o.STSJitter = 30*time.Millisecond, 20*time.Millisecond
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	return o
}

// Row is what was measured of one function.
type Row struct {
	Function              string
	BinaryBytes, ZipBytes int64
	// ColdPage and ColdAPI are the medians, over Options.Cold fresh processes each, of the time from
	// starting the process to the answer of its first request: GET / and the API respectively.
	ColdPage, ColdAPI time.Duration
	// P50 and P99 are the client-side latencies of the warm run, through the emulator's front.
	P50, P99 time.Duration
	// HandlerP50 and HandlerP99 are the handler's own time (durationUs of its access log lines).
	HandlerP50, HandlerP99 time.Duration
	// RPS is the warm run's throughput: requests / wall time.
	RPS float64
	// PeakRSSBytes is the function process's VmHWM after the warm run.
	PeakRSSBytes int64
	// Requests, Errors (not a 200) and STSCalls (AssumeRole calls the fake STS received) of the warm run.
	Requests, Errors, STSCalls int
	// Throttled is the warm run's AssumeRole calls the fake STS refused for its rate limit (STS's
	// 100 AssumeRole/s, fakests.DefaultRateLimit).
	Throttled int
}

// STSPer1000 is STSCalls per 1000 requests.
func (r Row) STSPer1000() float64 {
	if r.Requests == 0 {
		return 0
	}
	return float64(r.STSCalls) * 1000 / float64(r.Requests)
}

// Report is the result of a run: one row per function, then the baseline.
type Report struct {
	Options Options
	Rows    []Row
}

// Row returns the row of a function.
func (r Report) Row(name string) (Row, bool) {
	for _, row := range r.Rows {
		if row.Function == name {
			return row, true
		}
	}
	return Row{}, false
}

// apiRequest is the warm and cold API call of each function: what a browser sends.
var apiRequest = map[string]string{
	config.FunctionSTS:           "/get_sts_token_for_oss_upload",
	config.FunctionPostSignature: "/get_post_signature_for_oss_upload?filename=photo.png&contentType=image%2Fpng&size=1024",
	config.FunctionPresignedURL:  "/get_presigned_url_for_oss_upload?filename=photo.png&contentType=image%2Fpng&size=1024",
	Baseline:                     "/get_sts_token_for_oss_upload",
}

// Run builds, starts the stack and the baseline, measures, and stops everything.
func Run(ctx context.Context, o Options) (rep Report, err error) {
	o = o.withDefaults()
	rep.Options = o
	ctx, cancel := context.WithTimeout(ctx, o.Duration)
	defer cancel()
	progress := func(format string, args ...any) { fmt.Fprintf(o.Progress, "bench: "+format+"\n", args...) }

	dir, err := os.MkdirTemp("", "fc-oss-upload-bench-")
	if err != nil {
		return rep, err
	}
	defer os.RemoveAll(dir)

	names := append(slices.Clone(config.Authorizers), Baseline)
	bins := map[string]string{}
	for k, v := range o.Bins {
		bins[k] = v
	}
	if len(bins) < len(config.Functions) || bins[Baseline] == "" {
		progress("building %s as deployed (linux/amd64, static, stripped)", strings.Join(names, ", "))
	}
	if missing := slices.ContainsFunc(config.Functions, func(n string) bool { return bins[n] == "" }); missing {
		built, err := devstack.Build(ctx, filepath.Join(dir, "bin"), false)
		if err != nil {
			return rep, err
		}
		for k, v := range built {
			if bins[k] == "" {
				bins[k] = v
			}
		}
	}
	if bins[Baseline] == "" {
		bins[Baseline] = filepath.Join(dir, "bin", Baseline)
		if err := buildBaseline(ctx, bins[Baseline]); err != nil {
			return rep, err
		}
	}
	rows := map[string]*Row{}
	for _, n := range names {
		row := &Row{Function: n}
		rows[n] = row
		if row.BinaryBytes, row.ZipBytes, err = sizes(bins[n], filepath.Join(dir, n+".zip")); err != nil {
			return rep, err
		}
	}

	progress("starting the local stack")
	logs := newAccessLog()
	// The fake STS throttles at STS's real limit, so the baseline's one AssumeRole per request meets
	// it as it would on Alibaba Cloud.
	stack, err := devstack.Start(ctx, devstack.Options{Bins: bins, FunctionOutput: logs, STSRateLimit: fakests.DefaultRateLimit})
	if err != nil {
		return rep, err
	}
	defer stack.Close()
	stack.STS.SetDelay(o.STSDelay, o.STSJitter)
	fnOpts := func(name string, out io.Writer) fcemu.Options {
		return functionOptions(stack, name, bins[name], out)
	}
	base, err := fcemu.Start(ctx, fnOpts(Baseline, logs))
	if err != nil {
		return rep, err
	}
	defer base.Close()
	baseFront := httptest.NewServer(base)
	defer baseFront.Close()
	urls := map[string]string{Baseline: baseFront.URL}
	procs := map[string]*fcemu.Function{Baseline: base}
	for _, n := range config.Authorizers {
		urls[n], procs[n] = stack.FunctionURLs[n], stack.Functions[n]
	}

	for _, n := range names {
		row := rows[n]
		progress("%s: warm run, %d requests from %d clients", n, o.N, o.C)
		logs.reset()
		before := stack.STS.Stats()
		lat, errs, wall, err := load(ctx, urls[n]+apiRequest[n], o.N, o.C)
		if err != nil {
			return rep, fmt.Errorf("%s: %w", n, err)
		}
		after := stack.STS.Stats()
		row.STSCalls, row.Throttled = after.Calls-before.Calls, after.Throttled-before.Throttled
		row.Requests, row.Errors = len(lat), errs
		row.P50, row.P99 = percentile(lat, 50), percentile(lat, 99)
		row.RPS = float64(len(lat)) / wall.Seconds()
		handler := logs.durations(n)
		row.HandlerP50, row.HandlerP99 = percentile(handler, 50), percentile(handler, 99)
		if row.PeakRSSBytes, err = peakRSS(procs[n].PID()); err != nil {
			return rep, fmt.Errorf("%s: %w", n, err)
		}
	}

	for _, n := range names {
		row := rows[n]
		progress("%s: cold starts, %d fresh processes for the page and %d for the API", n, o.Cold, o.Cold)
		for _, kind := range []struct {
			path string
			into *time.Duration
		}{{"/", &row.ColdPage}, {apiRequest[n], &row.ColdAPI}} {
			var ds []time.Duration
			for range o.Cold {
				d, err := coldStart(ctx, fnOpts(n, nil), kind.path)
				if err != nil {
					return rep, fmt.Errorf("%s: cold start %s: %w", n, kind.path, err)
				}
				ds = append(ds, d)
			}
			*kind.into = percentile(ds, 50)
		}
	}
	for _, n := range names {
		rep.Rows = append(rep.Rows, *rows[n])
	}
	return rep, nil
}

// buildBaseline compiles scripts/bench/baseline with the flags fcbuild uses for the functions.
func buildBaseline(ctx context.Context, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-o", out, "./scripts/bench/baseline")
	cmd.Dir = devstack.Root()
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("bench: building the baseline: %v\n%s", err, b)
	}
	return nil
}

// sizes returns the size of the binary and of the deployment zip fcbuild writes for it.
func sizes(bin, zip string) (binBytes, zipBytes int64, err error) {
	if err := fcbuild.WriteZip(zip, bin); err != nil {
		return 0, 0, err
	}
	b, err := os.Stat(bin)
	if err != nil {
		return 0, 0, err
	}
	z, err := os.Stat(zip)
	if err != nil {
		return 0, 0, err
	}
	return b.Size(), z.Size(), nil
}

// functionOptions are the emulator settings devstack gives its functions, with the same settings
// and role credentials, for a process started here.
func functionOptions(s *devstack.Stack, name, bin string, out io.Writer) fcemu.Options {
	env := []string{
		"OSS_BUCKET=" + s.Bucket, "OSS_REGION=" + s.Region, "OSS_ENDPOINT=" + s.OSSURL,
		"OSS_STS_ROLE_ARN=" + devstack.LocalRoleARN, "OSS_STS_ENDPOINT=" + s.STSURL,
	}
	role := s.Roles[name]
	if name == Baseline { // it assumes the upload role, as the sts function does
		role = s.Roles[config.FunctionSTS]
	}
	return fcemu.Options{
		Binary: bin, Env: env, FunctionName: name, Region: s.Region, RoleEnv: true,
		Credentials: func() (string, string, string) { return role.AccessKeyID, role.AccessKeySecret, role.SecurityToken },
		MemoryMB:    128, Concurrency: 20, Stdout: out, Stderr: out,
	}
}

// coldStart starts a fresh process and returns the time to the answer of its first request.
func coldStart(ctx context.Context, opts fcemu.Options, path string) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, path, nil)
	req.Header.Set("Accept", "application/json")
	start := time.Now()
	f, err := fcemu.Start(ctx, opts)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	rec := httptest.NewRecorder()
	f.ServeHTTP(rec, req)
	d := time.Since(start)
	if rec.Code != http.StatusOK {
		return 0, fmt.Errorf("status %d: %.200s", rec.Code, rec.Body.String())
	}
	return d, nil
}

// load sends n GET requests to url from c clients and returns each one's latency, the number that
// were not answered 200, and the wall time.
func load(ctx context.Context, url string, n, c int) (lat []time.Duration, errs int, wall time.Duration, err error) {
	tr := &http.Transport{MaxIdleConnsPerHost: c, MaxConnsPerHost: c}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 15 * time.Second}
	lat = make([]time.Duration, n)
	var next atomic.Int64
	var failed atomic.Int64
	var first error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
				req.Header.Set("Accept", "application/json")
				t := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					once.Do(func() { first = err })
					failed.Add(1)
					lat[i] = time.Since(t)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lat[i] = time.Since(t)
				if resp.StatusCode != http.StatusOK {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	wall = time.Since(start)
	if err := ctx.Err(); err != nil {
		return nil, 0, 0, fmt.Errorf("run cut short (-duration): %w", err)
	}
	if int(failed.Load()) == n && first != nil {
		return nil, 0, 0, first
	}
	return lat, int(failed.Load()), wall, nil
}

// percentile returns the p-th percentile (nearest rank) of ds; 0 for none.
func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := (p*len(s) + 99) / 100 // ceil(p/100 * n)
	return s[max(rank, 1)-1]
}

// peakRSS returns VmHWM, the peak resident set size, of a process.
func peakRSS(pid int) (int64, error) {
	if pid == 0 {
		return 0, errors.New("no running process")
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
}

// accessLog collects the durationUs of the functions' access lines for API paths, by function. The
// functions' stdout and stderr arrive interleaved in chunks; a line split across chunks of two
// processes is dropped, which at worst loses a sample.
type accessLog struct {
	mu      sync.Mutex
	partial []byte
	byFn    map[string][]time.Duration
}

func newAccessLog() *accessLog { return &accessLog{byFn: map[string][]time.Duration{}} }

func (a *accessLog) Write(p []byte) (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.partial = append(a.partial, p...)
	for {
		i := bytes.IndexByte(a.partial, '\n')
		if i < 0 {
			break
		}
		a.line(a.partial[:i])
		a.partial = a.partial[i+1:]
	}
	if len(a.partial) > 1<<20 {
		a.partial = nil
	}
	return len(p), nil
}

func (a *accessLog) line(b []byte) {
	var l struct {
		Msg, Function, Path string
		DurationUs          *int64
	}
	if json.Unmarshal(b, &l) != nil || l.Msg != "access" || l.DurationUs == nil || !strings.HasPrefix(l.Path, "/get_") {
		return
	}
	a.byFn[l.Function] = append(a.byFn[l.Function], time.Duration(*l.DurationUs)*time.Microsecond)
}

func (a *accessLog) reset() {
	a.mu.Lock()
	defer a.mu.Unlock()
	clear(a.byFn)
}

func (a *accessLog) durations(fn string) []time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.byFn[fn])
}
