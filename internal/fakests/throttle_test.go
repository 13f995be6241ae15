package fakests

import (
	"testing"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/internal/localcred"
)

// TestRateLimitSlidingSecond: with RateLimit 3, the 4th and 5th calls within one second are
// throttled and counted; a call a second after the first admitted one is admitted again.
func TestRateLimitSlidingSecond(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	s, err := New(Options{Registry: localcred.NewRegistry(), RateLimit: 3, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	var got []bool
	for range 5 { // at 0, 100, 200, 300, 400 ms
		got = append(got, s.throttled())
		now = now.Add(100 * time.Millisecond)
	}
	want := []bool{false, false, false, true, true}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("throttled %v; want %v", got, want)
		}
	}
	if n := s.Stats().Throttled; n != 2 {
		t.Errorf("Stats().Throttled = %d; want 2", n)
	}
	now = time.Date(2026, 11, 29, 10, 0, 1, 0, time.UTC) // 1 s after the first admission
	if s.throttled() {
		t.Error("a call a second after the oldest admission is throttled")
	}
	if !s.throttled() {
		t.Error("the next call at the same instant is admitted; want throttled (the 2nd and 3rd admissions are < 1 s old)")
	}
}
