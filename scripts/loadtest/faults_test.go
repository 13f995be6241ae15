package loadtest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/internal/fakests"
)

// outcome is what the sts function's client saw in one case.
type outcome struct {
	Status     int
	Code       string // the JSON error code, "" on 200
	RetryAfter string
	Calls      int // AssumeRole calls the case caused
	Took       time.Duration
}

func (o outcome) String() string {
	s := strconv.Itoa(o.Status)
	if o.Code != "" {
		s += " " + o.Code
	}
	if o.RetryAfter != "" {
		s += ", Retry-After " + o.RetryAfter
	}
	return fmt.Sprintf("%s (%d calls, %v)", s, o.Calls, o.Took.Round(10*time.Millisecond))
}

// faultRow is one line of the table TestSTSFaults logs.
type faultRow struct {
	Once, OnceRetry, Persistent, Backoff, Cached outcome
}

// stsDetails are words of STS errors that must never reach a client.
var stsDetails = []string{"Throttling", "InternalError", "ServiceUnavailable", "MalformedResponse", "ShortLived", "Timeout",
	"stscred", "AssumeRole", "HTTP 5", "flow control", "RequestId", "STS."}

// TestSTSFaults makes the fake STS fail in each way it can and shows what the client of the sts
// function gets. Each fault has its own stack (run in parallel) in per-user mode, so that each step
// uses a user of its own (a token from the stack's issuer), that is a prefix the function has no
// credentials cached for:
//
//   - once: one fault, then STS works. Retries inside the function absorb it (200).
//   - persistent: every call fails. After the function's fetch budget (8 s) the client gets 503 with
//     Retry-After and a JSON "unavailable" error without STS details; for the next second a request
//     fails at once without calling STS (failure backoff); once STS works again, the client's retry
//     after Retry-After gets 200.
//   - cached: credentials are cached first; then every call would fail, and clients keep getting the
//     cached credentials (200) without any call to STS while they are usable.
func TestSTSFaults(t *testing.T) {
	t.Parallel()
	faults := []fakests.Fault{
		fakests.FaultThrottling, fakests.FaultInternalError, fakests.FaultServiceUnavailable, fakests.FaultHang,
		fakests.FaultMalformedJSON, fakests.FaultMissingFields, fakests.FaultExpiredCredentials, fakests.FaultExpiringCredentials,
	}
	var mu sync.Mutex
	rows := map[fakests.Fault]*faultRow{}
	// The cases run at once (not limited by -parallel): most of their time is spent waiting.
	var wg sync.WaitGroup
	for _, f := range faults {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t.Run(f.String(), func(t *testing.T) {
				row := stsFaultCase(t, f)
				mu.Lock()
				rows[f] = row
				mu.Unlock()
			})
		}()
	}
	wg.Wait()
	t.Logf("%-20s | %-44s | %-44s | %-44s | %-36s", "STS fault", "once: client gets", "persistent: client gets",
		"persistent, within 1 s backoff", "cached token, STS failing")
	for _, f := range faults {
		r := rows[f]
		if r == nil {
			continue
		}
		once := r.Once.String()
		if r.OnceRetry.Status != 0 {
			once += "; retry " + r.OnceRetry.String()
		}
		t.Logf("%-20s | %-44s | %-44s | %-44s | %-36s", f, once, r.Persistent, r.Backoff, r.Cached)
	}
}

func stsFaultCase(t *testing.T, f fakests.Fault) *faultRow {
	s := startStackAuth(t, nil, true)
	c := newClient(4)
	row := &faultRow{}
	ask := func(user string) (outcome, answer) {
		t.Helper()
		h := s.bearer(t, user)
		before := s.STS.Stats().Calls
		start := time.Now()
		a, err := get(c, s.FunctionURLs["sts"], "/get_sts_token_for_oss_upload", h)
		if err != nil {
			t.Fatal(err)
		}
		return outcome{Status: a.Status, Code: errorCode(a), RetryAfter: a.Header.Get("Retry-After"),
			Calls: s.STS.Stats().Calls - before, Took: time.Since(start)}, a
	}

	// Once.
	s.STS.InjectFaults(f)
	row.Once, _ = ask("once")
	switch {
	case row.Once.Status == http.StatusOK:
		if row.Once.Calls != 2 {
			t.Errorf("once: %v; want 2 AssumeRole calls (the fault and the retry)", row.Once)
		}
	default:
		t.Errorf("once: %v; want 200", row.Once)
	}
	if n := s.STS.PendingFaults(); n != 0 {
		t.Errorf("once: %d faults unused", n)
	}

	// Cached credentials outlive an STS outage.
	first, _ := ask("cached")
	if first.Status != http.StatusOK {
		t.Fatalf("cached: first request %v", first)
	}
	s.STS.InjectFaults(repeat(f, 50)...)
	row.Cached = outcome{Status: http.StatusOK}
	start := time.Now()
	for range 20 {
		o, _ := ask("cached")
		row.Cached.Calls += o.Calls
		if o.Status != http.StatusOK {
			row.Cached.Status = o.Status
			t.Errorf("cached: %v", o)
		}
	}
	row.Cached.Took = time.Since(start)
	if row.Cached.Calls != 0 {
		t.Errorf("cached: %d AssumeRole calls while the cached credentials were usable", row.Cached.Calls)
	}
	s.STS.ClearFaults()

	// Persistent.
	s.STS.InjectFaults(repeat(f, 200)...)
	var a answer
	row.Persistent, a = ask("persistent")
	checkUnavailable(t, "persistent", row.Persistent, a)
	row.Backoff, a = ask("persistent")
	checkUnavailable(t, "persistent, in the failure backoff", row.Backoff, a)
	// The failure is remembered: the answer comes without calling STS. (How long it is remembered,
	// and that the first request after Retry-After calls STS once and succeeds, is checked with an
	// injected clock in functions/sts; this real-process stack has only the real one.)
	if row.Backoff.Calls != 0 {
		t.Errorf("persistent, in the failure backoff: %v; want an answer without calling STS", row.Backoff)
	}
	s.STS.ClearFaults()
	return row
}

// checkUnavailable requires the answer of a failed credential fetch: 503, Retry-After, the JSON
// "unavailable" error and nothing of STS's error.
func checkUnavailable(t *testing.T, step string, o outcome, a answer) {
	t.Helper()
	if o.Status != http.StatusServiceUnavailable || o.Code != "unavailable" {
		t.Errorf("%s: %v; want 503 unavailable", step, o)
	}
	if n, err := strconv.Atoi(o.RetryAfter); err != nil || n < 1 {
		t.Errorf("%s: Retry-After %q", step, o.RetryAfter)
	}
	if ct := a.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s: Content-Type %q", step, ct)
	}
	for _, d := range stsDetails {
		if strings.Contains(string(a.Body), d) {
			t.Errorf("%s: the client sees %q: %s", step, d, a.Body)
		}
	}
}

func repeat(f fakests.Fault, n int) []fakests.Fault {
	out := make([]fakests.Fault, n)
	for i := range out {
		out[i] = f
	}
	return out
}
