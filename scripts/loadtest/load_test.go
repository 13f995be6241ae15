package loadtest

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"

	"github.com/fc-oss-upload/fc-oss-upload/shared/config"
)

// loadPlan is how hard TestLoad pushes each function.
type loadPlan struct {
	Concurrency int // requests in flight at once
	Total       int // requests per function, warm-up included
	Warmup      int // requests before the first memory sample
	UploadEvery int // every n-th authorization is also used to upload
}

func plan() loadPlan {
	if long() {
		return loadPlan{Concurrency: 300, Total: 15000, Warmup: 1500, UploadEvery: 100}
	}
	return loadPlan{Concurrency: 300, Total: 1500, Warmup: 300, UploadEvery: 50}
}

// loadResult is what one function's run measured.
type loadResult struct {
	Sent, Failed            int
	Uploads                 int
	Wall                    time.Duration
	P50, P99, Max           time.Duration
	RSSWarm, RSSMid, RSSEnd int64 // KiB: after the warm-up, half-way through the rest, at the end
	PIDWarm, PIDEnd         int
	FirstErrors             []string
	DistinctKeyIDs          int // sts: distinct AccessKeyIds handed out
	RequestsPerSecond       float64
}

// TestLoad sends hundreds of concurrent requests to each function of a stack whose binaries are
// built with -race, validates every answer and uploads with a sample of them, and requires: no
// error at all, one AssumeRole for the whole run (the fake STS answers in 30-50 ms, so the first
// burst races for an empty cache), no data race in any child, and memory that stays flat.
func TestLoad(t *testing.T) {
	t.Parallel()
	p := plan()
	s := startStack(t, map[string]string{
		"OSS_ALLOWED_CONTENT_TYPES": "image/png,text/plain,application/octet-stream",
		"OSS_MAX_SIZE_BYTES":        "1048576",
	})
	s.STS.SetDelay(30*time.Millisecond, 20*time.Millisecond)
	c := newClient(p.Concurrency)

	var mu sync.Mutex
	keyIDs := map[string]bool{}
	var uploads atomic.Int64
	check := map[string]func(i int, a answer) error{
		config.FunctionSTS: func(i int, a answer) error {
			var tok stsToken
			if err := decode200(a, &tok); err != nil {
				return err
			}
			// The expiration is the one the fake STS issued (how much of it must be left is the
			// credential cache's rule, checked with an injected clock in shared/stscred).
			issued, ok := s.Registry.Lookup(tok.AccessKeyID)
			if !ok || tok.Expiration != issued.Expiration.UTC().Format(time.RFC3339) || !strings.HasPrefix(tok.AccessKeyID, "STS.") ||
				len(tok.AccessKeySecret) < 16 || len(tok.SecurityToken) < 16 || tok.Dir != s.Dir || tok.Bucket != s.Bucket || tok.Endpoint != s.OSSURL {
				return fmt.Errorf("token has the wrong shape: id %q dir %q bucket %q endpoint %q expiration %q", tok.AccessKeyID, tok.Dir, tok.Bucket, tok.Endpoint, tok.Expiration)
			}
			mu.Lock()
			keyIDs[tok.AccessKeyID] = true
			mu.Unlock()
			if i%(p.UploadEvery*2) == 0 {
				key := fmt.Sprintf("%sload/sts-%d.bin", tok.Dir, i)
				data := []byte(key)
				cfg := oss.LoadDefaultConfig().WithRegion(tok.Region).WithEndpoint(tok.Endpoint).WithUsePathStyle(tok.PathStyle).
					WithCredentialsProvider(credentials.NewStaticCredentialsProvider(tok.AccessKeyID, tok.AccessKeySecret, tok.SecurityToken))
				if _, err := oss.NewClient(cfg).PutObject(context.Background(), &oss.PutObjectRequest{Bucket: oss.Ptr(tok.Bucket), Key: oss.Ptr(key), Body: bytes.NewReader(data)}); err != nil {
					return fmt.Errorf("upload with the token: %v", err)
				}
				if err := landed(s, key, data); err != nil {
					return err
				}
				uploads.Add(1)
			}
			return nil
		},
		config.FunctionPostSignature: func(i int, a answer) error {
			var ps postSignature
			if err := decode200(a, &ps); err != nil {
				return err
			}
			sig, err := hex.DecodeString(ps.Fields["x-oss-signature"])
			if err != nil || len(sig) != 32 || ps.Fields["policy"] != ps.Policy || ps.Policy == "" || ps.Fields["key"] != ps.Key ||
				!strings.HasPrefix(ps.Key, s.Dir) || !strings.HasSuffix(ps.Key, ".txt") || ps.Fields["Content-Type"] != "text/plain" ||
				ps.Fields["x-oss-security-token"] == "" || ps.Host == "" {
				return fmt.Errorf("POST policy has the wrong shape: %s", a.Body)
			}
			if i%p.UploadEvery == 0 {
				data := []byte(fmt.Sprintf("post %d", i))
				up, err := postObject(c, ps, "f.txt", data)
				if err != nil || up.Status/100 != 2 {
					return fmt.Errorf("POST upload: %v %v", up, err)
				}
				if err := landed(s, ps.Key, data); err != nil {
					return err
				}
				uploads.Add(1)
			}
			return nil
		},
		config.FunctionPresignedURL: func(i int, a answer) error {
			var pu presigned
			if err := decode200(a, &pu); err != nil {
				return err
			}
			u, err := url.Parse(pu.URL)
			if err != nil || pu.Method != "PUT" || !strings.HasPrefix(pu.Key, s.Dir) || !strings.HasSuffix(pu.Key, ".png") ||
				pu.Headers["Content-Type"] != "image/png" || len(u.Query().Get("x-oss-signature")) != 64 || u.Query().Get("x-oss-security-token") == "" {
				return fmt.Errorf("presigned URL has the wrong shape: %s", a.Body)
			}
			if i%p.UploadEvery == 0 {
				data := []byte(fmt.Sprintf("put %06d..", i))
				up, err := putPresigned(c, pu, data[:10])
				if err != nil || up.Status != 200 {
					return fmt.Errorf("presigned PUT: %v %v", up, err)
				}
				if err := landed(s, pu.Key, data[:10]); err != nil {
					return err
				}
				uploads.Add(1)
			}
			return nil
		},
	}
	paths := map[string]func(i int) string{
		config.FunctionSTS:           func(int) string { return "/get_sts_token_for_oss_upload" },
		config.FunctionPostSignature: func(i int) string { return fmt.Sprintf("/get_post_signature_for_oss_upload?filename=n%d.txt", i) },
		config.FunctionPresignedURL: func(i int) string {
			return fmt.Sprintf("/get_presigned_url_for_oss_upload?filename=%s&size=10", url.QueryEscape(fmt.Sprintf("中文 a+b~(%d).png", i)))
		},
	}

	results := map[string]*loadResult{}
	for _, fn := range config.Authorizers {
		uploads.Store(0)
		r := loadFunction(t, s, c, p, fn, paths[fn], check[fn])
		r.Uploads = int(uploads.Load())
		if fn == config.FunctionSTS {
			r.DistinctKeyIDs = len(keyIDs)
		}
		results[fn] = r
	}

	t.Logf("load: %d concurrent, up to %d requests per function, race-built binaries, fake STS delay 30-50 ms", p.Concurrency, p.Total)
	t.Logf("%-14s %8s %7s %9s %8s %8s %8s %8s %12s %12s %12s", "function", "requests", "errors", "req/s", "p50", "p99", "max", "uploads", "RSS warm", "RSS mid", "RSS end")
	for _, fn := range config.Authorizers {
		r := results[fn]
		t.Logf("%-14s %8d %7d %9.0f %8s %8s %8s %8d %9.1f MiB %9.1f MiB %9.1f MiB", fn, r.Sent, r.Failed, r.RequestsPerSecond,
			r.P50.Round(100*time.Microsecond), r.P99.Round(100*time.Microsecond), r.Max.Round(time.Millisecond), r.Uploads,
			float64(r.RSSWarm)/1024, float64(r.RSSMid)/1024, float64(r.RSSEnd)/1024)
	}
	st := s.STS.Stats()
	t.Logf("AssumeRole calls: %d (succeeded %d); distinct AccessKeyIds handed out: %d", st.Calls, st.Succeeded, results[config.FunctionSTS].DistinctKeyIDs)

	for _, fn := range config.Authorizers {
		r := results[fn]
		if r.Failed > 0 {
			t.Errorf("%s: %d of %d requests failed; first: %s", fn, r.Failed, r.Sent, strings.Join(r.FirstErrors, "\n"))
		}
		if r.Sent != p.Total {
			t.Errorf("%s: %d requests sent, want %d", fn, r.Sent, p.Total)
		}
		if r.PIDWarm != r.PIDEnd || r.PIDEnd == 0 {
			t.Errorf("%s: the process changed (pid %d -> %d): it crashed or was restarted", fn, r.PIDWarm, r.PIDEnd)
		}
		growth := r.RSSEnd - r.RSSWarm
		if growth >= 20<<10 && growth*2 >= r.RSSWarm {
			t.Errorf("%s: RSS grew from %d KiB to %d KiB", fn, r.RSSWarm, r.RSSEnd)
		}
	}
	if st.Calls != 1 || results[config.FunctionSTS].DistinctKeyIDs != 1 {
		t.Errorf("AssumeRole was called %d times and %d different keys were handed out; want exactly one",
			st.Calls, results[config.FunctionSTS].DistinctKeyIDs)
	}
}

// loadFunction sends p.Total requests to one function with p.Concurrency in flight, and samples the
// child's RSS after p.Warmup requests, half-way through the rest and at the end. Latencies and
// requests per second are measured for the report only: nothing is asserted on them (the test
// binary's -timeout bounds the run).
func loadFunction(t *testing.T, s *stack, c *http.Client, p loadPlan, fn string, path func(int) string, check func(int, answer) error) *loadResult {
	base := s.FunctionURLs[fn]
	r := &loadResult{}
	var (
		mu        sync.Mutex
		latencies []time.Duration
	)
	phase := func(from, to int) {
		var next atomic.Int64
		next.Store(int64(from))
		var wg sync.WaitGroup
		for range p.Concurrency {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1) - 1)
					if i >= to {
						return
					}
					start := time.Now()
					a, err := get(c, base, path(i), nil)
					d := time.Since(start)
					if err == nil {
						err = check(i, a)
					}
					mu.Lock()
					r.Sent++
					latencies = append(latencies, d)
					if err != nil {
						r.Failed++
						if len(r.FirstErrors) < 3 {
							r.FirstErrors = append(r.FirstErrors, err.Error())
						}
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
	}
	start := time.Now()
	phase(0, p.Warmup)
	var err error
	r.PIDWarm = s.Functions[fn].PID()
	if r.RSSWarm, err = rssKB(r.PIDWarm); err != nil {
		t.Fatal(err)
	}
	mid := (p.Warmup + p.Total) / 2
	phase(p.Warmup, mid)
	if r.RSSMid, err = rssKB(s.Functions[fn].PID()); err != nil {
		t.Fatal(err)
	}
	phase(mid, p.Total)
	r.Wall = time.Since(start)
	r.PIDEnd = s.Functions[fn].PID()
	if r.RSSEnd, err = rssKB(r.PIDEnd); err != nil {
		t.Fatal(err)
	}
	slices.Sort(latencies)
	if n := len(latencies); n > 0 {
		r.P50, r.P99, r.Max = latencies[n/2], latencies[min(n-1, n*99/100)], latencies[n-1]
		r.RequestsPerSecond = float64(n) / r.Wall.Seconds()
	}
	return r
}

// decode200 requires a 200 JSON answer and decodes it into v.
func decode200(a answer, v any) error {
	if a.Status != 200 {
		return fmt.Errorf("status %s", a)
	}
	if err := json.Unmarshal(a.Body, v); err != nil {
		return fmt.Errorf("not JSON (%v): %s", err, a.Body)
	}
	return nil
}

// landed checks that the local OSS holds data under key.
func landed(s *stack, key string, data []byte) error {
	got, _, err := s.OSS.Object(s.Bucket, key)
	if err != nil {
		return fmt.Errorf("object %s did not land: %v", key, err)
	}
	if !bytes.Equal(got, data) {
		return fmt.Errorf("object %s holds %q, want %q", key, got, data)
	}
	return nil
}
