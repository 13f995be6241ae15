package fcemu

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Errors Invoke returns when there is no function result.
var (
	// ErrTimeout: no result before the deadline (FC answers such HTTP requests 504).
	ErrTimeout = errors.New("fcemu: function timed out")
	// ErrInstanceExited: the child process exited while the invocation was in flight.
	ErrInstanceExited = errors.New("fcemu: function instance exited")
	// ErrClosed: the Function was closed.
	ErrClosed = errors.New("fcemu: function closed")
	// ErrResultTooLarge: the function posted a result over 64 MiB.
	ErrResultTooLarge = errors.New("fcemu: function result too large")
)

// Result is what the function posted for one invocation.
type Result struct {
	// RequestID is the invocation id (x-fc-request-id).
	RequestID string
	// Payload is the body posted to /response: the handler's JSON-marshalled return value. Nil when
	// Error is set.
	Payload []byte
	// Error is set when the function posted to /error (returned an error, or panicked).
	Error *FunctionError
	// Duration is from handing the invocation to the child until its result arrived.
	Duration time.Duration
}

// FunctionError is the body the SDK posts to /error.
type FunctionError struct {
	Message string `json:"errorMessage"`
	Type    string `json:"errorType"`
	// StackTrace is set for panics. The HTTP front never shows it.
	StackTrace json.RawMessage `json:"stackTrace,omitempty"`
}

// Error returns "Type: Message".
func (e *FunctionError) Error() string { return e.Type + ": " + e.Message }

// Function types of x-fc-function-type.
const (
	typeInvoke      = 0
	typeInitializer = 1
)

// invocation is one queued or in-flight call.
type invocation struct {
	id       string
	event    []byte
	kind     int
	timeout  time.Duration
	deadline time.Time // real clock, set when the invocation is created
	creds    [3]string
	hasCreds bool

	mu     sync.Mutex
	sentAt time.Time // set by the /next handler before it replies; guarded by mu

	done chan outcome // buffered 1
	once sync.Once
}

func (inv *invocation) markSent() {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	inv.sentAt = time.Now()
}

func (inv *invocation) sinceSent() time.Duration {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if inv.sentAt.IsZero() {
		return 0
	}
	return time.Since(inv.sentAt)
}

type outcome struct {
	res Result
	err error
}

func (inv *invocation) finish(o outcome) {
	inv.once.Do(func() { inv.done <- o })
}

// newRequestID returns an FC-style id "1-<8 hex of the time>-<8 hex>-<24 hex>".
func newRequestID(now time.Time) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return fmt.Sprintf("1-%08x-%s-%s", uint32(now.Unix()), h[:8], h[8:32])
}
