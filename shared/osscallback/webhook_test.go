package osscallback

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// roundTrip is an in-memory transport: tests run inside synctest bubbles, where only channel
// waits (not sockets) let the fake clock advance.
type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func answer(status int) *http.Response {
	return &http.Response{StatusCode: status, Body: io.NopCloser(strings.NewReader("")), Header: http.Header{}}
}

func testWebhook(t *testing.T, rt roundTrip) *Webhook {
	t.Helper()
	w, err := NewWebhook("https://hooks.example.com/uploads", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		t.Fatal(err)
	}
	w.Client = &http.Client{Transport: rt}
	return w
}

// TestWebhookSpecVector checks the headers against the Standard Webhooks reference vector
// (standard-webhooks/libraries, go/webhook_test.go TestWebhookSign; the same vector is in every
// language's tests).
func TestWebhookSpecVector(t *testing.T) {
	var got http.Header
	var body []byte
	w := testWebhook(t, func(r *http.Request) (*http.Response, error) {
		got = r.Header.Clone()
		body, _ = io.ReadAll(r.Body)
		return answer(204), nil
	})
	n, err := w.Deliver(context.Background(), "msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if err != nil || n != 1 {
		t.Fatalf("Deliver = %d, %v", n, err)
	}
	want := map[string]string{
		"webhook-id":        "msg_p5jXN8AQM9LWM0D4loKWxJek",
		"webhook-timestamp": "1614265330",
		"webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
		"Content-Type":      "application/json",
	}
	for k, v := range want {
		if got.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, got.Get(k), v)
		}
	}
	if string(body) != `{"test": 2432232314}` {
		t.Errorf("body %q", body)
	}
}

// deliver runs one delivery inside a synctest bubble with the callback's 3-second budget and
// returns the tries made, the error, the fake time it took and the statuses the transport saw.
func deliver(t *testing.T, rt roundTrip) (int, error, time.Duration, int) {
	var (
		n       int
		err     error
		elapsed time.Duration
		calls   int
		mu      sync.Mutex
	)
	synctest.Test(t, func(t *testing.T) {
		w := testWebhook(t, func(r *http.Request) (*http.Response, error) {
			mu.Lock()
			calls++
			mu.Unlock()
			return rt(r)
		})
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		start := time.Now()
		n, err = w.Deliver(ctx, "msg_1", start, []byte(`{}`))
		elapsed = time.Since(start)
	})
	return n, err, elapsed, calls
}

func TestWebhookRetriesThenDelivers(t *testing.T) {
	try := 0
	n, err, elapsed, calls := deliver(t, func(r *http.Request) (*http.Response, error) {
		try++
		switch try {
		case 1:
			return nil, errors.New("connection refused")
		case 2:
			return answer(503), nil
		}
		return answer(200), nil
	})
	if err != nil || n != 3 || calls != 3 {
		t.Fatalf("Deliver = %d tries (%d calls), %v; want delivered on the third", n, calls, err)
	}
	if elapsed != 600*time.Millisecond { // the backoffs: 200 ms + 400 ms (fake clock)
		t.Errorf("took %v of fake time, want the two backoffs (600ms)", elapsed)
	}
}

func TestWebhookGivesUpOn5xx(t *testing.T) {
	n, err, _, calls := deliver(t, func(r *http.Request) (*http.Response, error) { return answer(502), nil })
	var de *DeliveryError
	if !errors.As(err, &de) || de.Status != 502 || n != 3 || calls != 3 {
		t.Fatalf("Deliver = %d, %v (%d calls); want a DeliveryError after 3 tries", n, err, calls)
	}
}

func TestWebhookDoesNotRetry4xx(t *testing.T) {
	n, err, _, calls := deliver(t, func(r *http.Request) (*http.Response, error) { return answer(401), nil })
	if err == nil || n != 1 || calls != 1 {
		t.Fatalf("Deliver = %d, %v (%d calls); want one try", n, err, calls)
	}
}

// TestWebhookDoesNotFollowRedirects: with the default client, a receiver that redirects (307
// keeps the method and body) fails the delivery after one try, and the redirect's target never
// gets the signed payload.
func TestWebhookDoesNotFollowRedirects(t *testing.T) {
	var elsewhere, hook int
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere++ }))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hook++
		http.Redirect(w, r, other.URL+"/steal", http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	w, err := NewWebhook(srv.URL, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		t.Fatal(err)
	}
	n, err := w.Deliver(context.Background(), "msg_1", time.Now(), []byte(`{}`))
	var de *DeliveryError
	if !errors.As(err, &de) || de.Status != http.StatusTemporaryRedirect || n != 1 || hook != 1 || elsewhere != 0 {
		t.Fatalf("Deliver = %d, %v; hook asked %d, redirect target %d; want one failed try with 307 and no request elsewhere", n, err, hook, elsewhere)
	}
}

// TestWebhookHangStaysInBudget: a receiver that never answers costs at most the callback's budget.
func TestWebhookHangStaysInBudget(t *testing.T) {
	n, err, elapsed, calls := deliver(t, func(r *http.Request) (*http.Response, error) {
		<-r.Context().Done()
		return nil, r.Context().Err()
	})
	if err == nil {
		t.Fatal("a hanging webhook was reported delivered")
	}
	if elapsed > 3*time.Second {
		t.Errorf("the delivery took %v of the 3s budget", elapsed)
	}
	// 1.5 s try, 200 ms pause, then the second try is cut at the 3 s budget.
	if n != 2 || calls != 2 {
		t.Errorf("%d tries (%d calls), want 2 within the budget", n, calls)
	}
}
