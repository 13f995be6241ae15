// Command bench measures what a user of the three functions pays for, on the real built binaries
// under the local stack (scripts/devstack: FC runtime-API emulator, fake STS, local OSS), loopback
// only, and compares it in the same run with the approach of Alibaba's published Go sample
// (scripts/bench/baseline: a credentials provider, an STS client and an AssumeRole per request),
// against the same fake STS answering in 30-50 ms as the real one does.
//
//	go run ./scripts/bench                 # defaults: -n 2000 -c 16 -cold 10; ~20 s once built
//	go run ./scripts/bench -n 200 -cold 3  # quicker
//
// For each function it reports, in one Markdown table:
//
//   - binary and zip size, built exactly as deployed (scripts/build/fcbuild);
//   - cold start: a fresh process started under the emulator, to the first answered request, the
//     page (GET /) and, separately, the API (the first token for sts: an AssumeRole); median of -cold;
//   - warm latency p50/p99 and throughput over -n API requests from -c concurrent clients, through
//     the emulator's HTTP trigger front (so emulator overhead included), and the handler's own time
//     (p50/p99 of durationUs in its access log);
//   - peak memory (VmHWM of the function process after the load);
//   - STS AssumeRole calls per 1000 requests (the fake STS's counter over the warm run).
//
// Then ratio rows: each function ÷ the baseline (below 1 is smaller, faster or fewer, except
// requests/s, where above 1 is faster).
//
// Everything is bounded: -duration caps the whole run, every request has a timeout, and all
// listeners are on 127.0.0.1.
package main
