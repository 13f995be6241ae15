package devstack

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/fc-oss-upload/fc-oss-upload/shared/osscallback"
)

// Webhook is a local receiver of the callback function's notifications: it verifies each POST per
// Standard Webhooks with Secret (the specification's Go library) and keeps the verified events.
type Webhook struct {
	URL    string // set WEBHOOK_URL to it
	Secret string // set WEBHOOK_SECRET to it

	// OnEvent, when set, is called with each verified event (e.g. to print it).
	OnEvent func(id string, ev osscallback.Event)

	mu       sync.Mutex
	events   []osscallback.Event
	ids      []string
	rejected int
	srv      *http.Server
}

// StartWebhook starts a receiver on addr ("" = 127.0.0.1 on a free port) with a fresh secret.
func StartWebhook(addr string) (*Webhook, error) {
	key := make([]byte, 32)
	rand.Read(key)
	w := &Webhook{Secret: "whsec_" + base64.StdEncoding.EncodeToString(key)}
	verifier, err := standardwebhooks.NewWebhook(w.Secret)
	if err != nil {
		return nil, err
	}
	ln, err := listen(addr)
	if err != nil {
		return nil, err
	}
	w.URL = "http://" + ln.Addr().String() + "/webhook"
	w.srv = &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		var ev osscallback.Event
		if err == nil {
			err = verifier.Verify(body, r.Header)
		}
		if err == nil {
			err = json.Unmarshal(body, &ev)
		}
		w.mu.Lock()
		if err != nil {
			w.rejected++
		} else {
			w.events = append(w.events, ev)
			w.ids = append(w.ids, r.Header.Get("webhook-id"))
		}
		w.mu.Unlock()
		if err != nil {
			http.Error(rw, "signature does not verify", http.StatusUnauthorized)
			return
		}
		if w.OnEvent != nil {
			w.OnEvent(r.Header.Get("webhook-id"), ev)
		}
		rw.WriteHeader(http.StatusNoContent)
	})}
	go w.srv.Serve(ln)
	return w, nil
}

// Events returns the verified events so far, and how many POSTs failed verification.
func (w *Webhook) Events() ([]osscallback.Event, int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]osscallback.Event(nil), w.events...), w.rejected
}

// Env returns the callback function's settings for this receiver.
func (w *Webhook) Env() map[string]string {
	return map[string]string{"WEBHOOK_URL": w.URL, "WEBHOOK_SECRET": w.Secret}
}

// Close stops the receiver.
func (w *Webhook) Close() error { return w.srv.Close() }
