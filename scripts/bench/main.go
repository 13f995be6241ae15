package main

import (
	"context"
	"flag"
	"fmt"
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
	flag.Parse()
	if o.N < 1 || o.C < 1 || o.Cold < 1 || o.STSDelay < 0 || o.STSJitter < 0 {
		fmt.Fprintln(os.Stderr, "bench: -n, -c and -cold must be at least 1, the STS delays not negative")
		os.Exit(2)
	}
	o.Progress = os.Stderr
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep, err := Run(ctx, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := rep.WriteMarkdown(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
