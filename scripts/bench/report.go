package main

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/internal/fakests"
)

// WriteMarkdown writes the report as one Markdown table, then a line with the settings.
func (r Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	b.WriteString("| function | binary MiB | zip MiB | cold start, page ms | cold start, first API ms | p50 ms | p99 ms | handler p50 µs | handler p99 µs | req/s | peak RSS MiB | STS calls / 1000 req | STS throttled | errors |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, row := range r.Rows {
		fmt.Fprintf(&b, "| %s | %.2f | %.2f | %.1f | %.1f | %.2f | %.2f | %.0f | %.0f | %.0f | %.1f | %.1f | %d | %d |\n",
			row.Function, mb(row.BinaryBytes), mb(row.ZipBytes), ms(row.ColdPage), ms(row.ColdAPI), ms(row.P50), ms(row.P99),
			us(row.HandlerP50), us(row.HandlerP99), row.RPS, mb(row.PeakRSSBytes), row.STSPer1000(), row.Throttled, row.Errors)
	}
	if base, ok := r.Row(Baseline); ok {
		for _, row := range r.Rows {
			if row.Function == Baseline {
				continue
			}
			fmt.Fprintf(&b, "| *%s ÷ %s* | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | | |\n", row.Function, Baseline,
				ratio(float64(row.BinaryBytes), float64(base.BinaryBytes)), ratio(float64(row.ZipBytes), float64(base.ZipBytes)),
				ratio(float64(row.ColdPage), float64(base.ColdPage)), ratio(float64(row.ColdAPI), float64(base.ColdAPI)),
				ratio(float64(row.P50), float64(base.P50)), ratio(float64(row.P99), float64(base.P99)),
				ratio(float64(row.HandlerP50), float64(base.HandlerP50)), ratio(float64(row.HandlerP99), float64(base.HandlerP99)),
				ratio(row.RPS, base.RPS), ratio(float64(row.PeakRSSBytes), float64(base.PeakRSSBytes)), ratio(row.STSPer1000(), base.STSPer1000()))
		}
	}
	o := r.Options
	fmt.Fprintf(&b, "\n%d API requests per function from %d concurrent clients through the emulator's HTTP front; cold starts are medians of %d fresh processes; fake STS delay %v-%v, throttling at %d AssumeRole/s like STS (a throttled call is an error of the baseline, which does not retry); %d CPUs, %s %s/%s. Ratios are function ÷ baseline: below 1 is smaller, faster or fewer, except req/s.\n",
		o.N, o.C, o.Cold, o.STSDelay, o.STSDelay+o.STSJitter, fakests.DefaultRateLimit, runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	_, err := io.WriteString(w, b.String())
	return err
}

func mb(n int64) float64         { return float64(n) / (1 << 20) } // MiB
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

// ratio formats a/b as "0.25×"; "–" when b is 0.
func ratio(a, b float64) string {
	switch {
	case b == 0:
		return "–"
	case a == 0:
		return "0×"
	case a/b < 0.01:
		return fmt.Sprintf("%.4f×", a/b)
	case a/b < 10:
		return fmt.Sprintf("%.2f×", a/b)
	}
	return fmt.Sprintf("%.0f×", a/b)
}
