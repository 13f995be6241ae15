package osscallback

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// Webhook delivers events to one URL signed per Standard Webhooks (https://www.standardwebhooks.com/):
// headers webhook-id, webhook-timestamp (Unix seconds) and webhook-signature (v1,<base64
// HMAC-SHA256 of "<id>.<timestamp>.<body>">), made by the specification's Go library.
//
// A delivery is bounded: up to attempts tries, each at most attemptTimeout, with backoff (doubled)
// between them, and never past the caller's context, because the callback that triggers it has only
// OSS's 5 seconds. Network errors, 408, 429 and 5xx are retried; other answers are final.
type Webhook struct {
	// URL receives the POSTs. Required.
	URL string
	// Client sends the POSTs. Optional; nil means a client that does not follow redirects (each
	// try is bounded by its context).
	Client *http.Client

	signer *standardwebhooks.Webhook
}

const (
	// attempts is the most tries per event.
	attempts = 3
	// attemptTimeout bounds one try.
	attemptTimeout = 1500 * time.Millisecond
	// backoff is the pause before the second try, doubled before each later one.
	backoff = 200 * time.Millisecond
)

// NewWebhook returns a Webhook for url signing with secret (whsec_<base64>).
func NewWebhook(url, secret string) (*Webhook, error) {
	s, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		return nil, fmt.Errorf("osscallback: webhook secret: %w", err)
	}
	return &Webhook{URL: url, signer: s}, nil
}

// DeliveryError is the outcome of a delivery that did not succeed.
type DeliveryError struct {
	Attempts int   // tries made
	Status   int   // the last answer's status; 0 when there was none
	Err      error // the last try's error
}

func (e *DeliveryError) Error() string {
	return fmt.Sprintf("osscallback: webhook not delivered after %d attempt(s): %v", e.Attempts, e.Err)
}

func (e *DeliveryError) Unwrap() error { return e.Err }

// errStatus is the error of an answer that is not 2xx.
var errStatus = errors.New("webhook answered with a non-2xx status")

// Deliver POSTs payload (JSON) as message id, signed at ts, and returns the number of tries made;
// the error, when not nil, is a *DeliveryError.
func (w *Webhook) Deliver(ctx context.Context, id string, ts time.Time, payload []byte) (int, error) {
	sig, err := w.signer.Sign(id, ts, payload)
	if err != nil {
		return 0, &DeliveryError{Err: err}
	}
	last, pause := &DeliveryError{}, backoff
	for i := 1; i <= attempts; i++ {
		last.Attempts = i
		status, err := w.try(ctx, id, ts, sig, payload)
		if err == nil {
			return i, nil
		}
		last.Status, last.Err = status, err
		if !retryable(status) || i == attempts {
			break
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			last.Err = fmt.Errorf("%w (gave up waiting to retry: %v)", err, ctx.Err())
			return i, last
		case <-t.C:
		}
		pause *= 2
	}
	return last.Attempts, last
}

func (w *Webhook) try(ctx context.Context, id string, ts time.Time, sig string, payload []byte) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, attemptTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(payload))
	if err != nil {
		return 0, err
	}
	h := req.Header
	h.Set("Content-Type", "application/json")
	h.Set(standardwebhooks.HeaderWebhookID, id)
	h.Set(standardwebhooks.HeaderWebhookTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(standardwebhooks.HeaderWebhookSignature, sig)
	c := w.Client
	if c == nil {
		c = noRedirects
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("%w: %d", errStatus, resp.StatusCode)
	}
	return resp.StatusCode, nil
}

// noRedirects sends each delivery to the configured URL only: a redirect answer (3xx) is a failed
// delivery, not retried, and the signed payload never goes where the receiver points it.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// retryable reports whether a try that ended with status (0: no answer) may succeed when repeated.
func retryable(status int) bool {
	return status == 0 || status == http.StatusRequestTimeout || status == http.StatusTooManyRequests || status >= 500
}

// Host returns the host of URL, which logs may name (never the URL: its query may hold a token).
func (w *Webhook) Host() string {
	u, err := url.Parse(w.URL)
	if err != nil {
		return ""
	}
	return u.Host
}
