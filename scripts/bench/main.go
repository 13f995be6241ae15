package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"
)

func main() {
	var o Options
	flag.IntVar(&o.N, "n", 2000, "API requests per function in the warm run")
	flag.IntVar(&o.C, "c", 16, "concurrent clients in the warm run")
	flag.IntVar(&o.Cold, "cold", 10, "fresh processes per function for each cold-start measurement")
	flag.DurationVar(&o.Duration, "duration", 3*time.Minute, "cap of the whole run, build included")
	flag.DurationVar(&o.STSDelay, "sts-delay", 30*time.Millisecond, "fake STS response delay")
	flag.DurationVar(&o.STSJitter, "sts-jitter", 20*time.Millisecond, "fake STS extra random delay, [0, jitter)")
	burst := flag.Bool("burst", false, "instead: the burst benchmark (go1 vs custom runtime vs go1 mitigations, fake STS throttling)")
	var bo BurstOptions
	flag.IntVar(&bo.Clients, "burst-clients", 1000, "-burst: distinct clients per burst")
	flag.IntVar(&bo.MaxInstances, "burst-max-instances", 100, "-burst: instance cap per function")
	flag.IntVar(&bo.Concurrency, "burst-concurrency", 100, "-burst: the custom runtime's instanceConcurrency")
	flag.IntVar(&bo.Provisioned, "burst-provisioned", 20, "-burst: provisioned instances of the go1 mitigation row")
	flag.IntVar(&bo.RateLimit, "burst-sts-rate", 100, "-burst: fake STS AssumeRole calls per second")
	flag.Parse()
	if *burst {
		if bo.Clients < 1 || bo.Clients > 5000 || bo.MaxInstances < 1 || bo.MaxInstances > 300 {
			fmt.Fprintln(os.Stderr, "bench: -burst-clients must be 1-5000 and -burst-max-instances 1-300 (this machine runs every instance)")
			os.Exit(2)
		}
		bo.Progress = os.Stderr
		report(func(ctx context.Context) (markdown, error) { return RunBurst(ctx, bo) })
		return
	}
	if o.N < 1 || o.C < 1 || o.Cold < 1 || o.STSDelay < 0 || o.STSJitter < 0 {
		fmt.Fprintln(os.Stderr, "bench: -n, -c and -cold must be at least 1, the STS delays not negative")
		os.Exit(2)
	}
	o.Progress = os.Stderr
	report(func(ctx context.Context) (markdown, error) { return Run(ctx, o) })
}

// markdown is a benchmark's report.
type markdown interface{ WriteMarkdown(io.Writer) error }

// report runs a benchmark until it ends or Ctrl-C, and prints its report as Markdown; it exits 1
// on an error.
func report(run func(context.Context) (markdown, error)) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep, err := run(ctx)
	if err == nil {
		err = rep.WriteMarkdown(os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
