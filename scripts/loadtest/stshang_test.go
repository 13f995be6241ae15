package loadtest

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/fc-oss-upload/fc-oss-upload/internal/fakests"
)

// TestSTSHangNewPrefixesAnswer503BeforeTimeout (issue 18 row 7): STS hangs and 20 users with no
// cached credentials (20 new prefixes) ask at once. Every one gets the function's own 503 with
// Retry-After, none the emulator's 504 at the function timeout: the function answers before its
// deadline, and the 20 AssumeRole calls run in parallel (each reaches STS; none waits on a lock
// held by another's call). The emulator enforces the deadline, so no clock is read here.
func TestSTSHangNewPrefixesAnswer503BeforeTimeout(t *testing.T) {
	t.Parallel()
	s := startStackAuth(t, nil, true) // per-user mode: each user is a new prefix
	const users = 20
	s.STS.InjectFaults(repeat(fakests.FaultHang, 10*users)...)
	c := newClient(users)
	var wg sync.WaitGroup
	outcomes := make([]outcome, users)
	answers := make([]answer, users)
	headers := make([]map[string]string, users)
	for i := range users {
		headers[i] = s.bearer(t, fmt.Sprintf("hang%02d", i))
	}
	for i := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, err := get(c, s.FunctionURLs["sts"], "/get_sts_token_for_oss_upload", headers[i])
			if err != nil {
				t.Error(err)
				return
			}
			answers[i] = a
			outcomes[i] = outcome{Status: a.Status, Code: errorCode(a), RetryAfter: a.Header.Get("Retry-After")}
		}()
	}
	wg.Wait()
	counts := map[int]int{}
	for i, o := range outcomes {
		counts[o.Status]++
		if o.Status == http.StatusGatewayTimeout {
			t.Errorf("user %d: 504 from the platform: the function did not answer before its deadline", i)
			continue
		}
		checkUnavailable(t, fmt.Sprintf("user %d", i), o, answers[i])
	}
	if calls := s.STS.Stats().Calls; calls < users {
		t.Errorf("%d AssumeRole calls reached STS; want at least %d (one per new prefix, in parallel)", calls, users)
	}
	t.Logf("STS hanging, %d new prefixes at once: statuses %v, %d AssumeRole calls", users, counts, s.STS.Stats().Calls)
}
