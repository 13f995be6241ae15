package fcemu

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

const (
	apiPrefix = "/2020-11-11/runtime/"
	// maxResultBytes bounds a posted result: room for a base64-encoded 32 MiB body and its JSON.
	maxResultBytes = 64 << 20
)

// runtimeAPI is the handler of the FC runtime API the SDK in the child talks to.
func (f *Function) runtimeAPI() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+apiPrefix+"invocation/next", f.next)
	mux.HandleFunc("POST "+apiPrefix+"invocation/{id}/response", func(w http.ResponseWriter, r *http.Request) { f.result(w, r, false) })
	mux.HandleFunc("POST "+apiPrefix+"invocation/{id}/error", func(w http.ResponseWriter, r *http.Request) { f.result(w, r, true) })
	mux.HandleFunc("POST "+apiPrefix+"init/error", func(w http.ResponseWriter, r *http.Request) {
		f.opts.Logger.Error("function reported an init error", "function", f.opts.FunctionName)
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
		w.WriteHeader(http.StatusOK)
	})
	return mux
}

// next blocks until an invocation is handed to this process, then answers it with the event as body
// and the invocation metadata as headers.
func (f *Function) next(w http.ResponseWriter, r *http.Request) {
	inst, _ := f.current()
	if inst == nil {
		http.Error(w, "no instance", http.StatusServiceUnavailable)
		return
	}
	var inv *invocation
	select {
	case inv = <-inst.queue:
	case <-inst.exited:
		http.Error(w, "instance exited", http.StatusServiceUnavailable)
		return
	case <-f.closed:
		http.Error(w, "closed", http.StatusServiceUnavailable)
		return
	case <-r.Context().Done():
		return
	}
	if !inst.take(inv) {
		inv.finish(outcome{res: Result{RequestID: inv.id}, err: fmt.Errorf("%w: %v", ErrInstanceExited, inst.exitErr)})
		http.Error(w, "instance exited", http.StatusServiceUnavailable)
		return
	}
	o := f.opts
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("x-fc-request-id", inv.id)
	h.Set("x-fc-function-deadline", strconv.FormatInt(inv.deadline.UnixMilli(), 10))
	h.Set("x-fc-function-timeout", strconv.Itoa(int((inv.timeout+time.Second-1)/time.Second)))
	h.Set("x-fc-function-type", strconv.Itoa(inv.kind))
	h.Set("x-fc-function-name", o.FunctionName)
	h.Set("x-fc-function-handler", o.Handler)
	h.Set("x-fc-function-memory", strconv.Itoa(o.MemoryMB))
	h.Set("x-fc-qualifier", "LATEST")
	h.Set("x-fc-region", o.Region)
	h.Set("x-fc-account-id", o.AccountID)
	h.Set("x-fc-retry-count", "0")
	if inv.hasCreds {
		h.Set("x-fc-access-key-id", inv.creds[0])
		h.Set("x-fc-access-key-secret", inv.creds[1])
		h.Set("x-fc-security-token", inv.creds[2])
	}
	inv.markSent()
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(inv.event)
}

// result takes a posted /response or /error and delivers it to the waiting caller.
func (f *Function) result(w http.ResponseWriter, r *http.Request, isError bool) {
	id := r.PathValue("id")
	const limit = maxResultBytes
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		http.Error(w, "unreadable body", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	inv := f.pending[id]
	f.mu.Unlock()
	if inv == nil {
		// Unknown, timed out or already answered: refuse; the SDK only logs it.
		writeJSONError(w, http.StatusNotFound, "InvocationNotFound", "no pending invocation "+id, id)
		return
	}
	o := outcome{res: Result{RequestID: id, Duration: inv.sinceSent()}}
	switch {
	case int64(len(body)) > limit:
		o.err = fmt.Errorf("%w: over %d bytes", ErrResultTooLarge, limit)
	case isError:
		fe := &FunctionError{}
		if err := json.Unmarshal(body, fe); err != nil || fe.Type == "" && fe.Message == "" {
			fe = &FunctionError{Type: "InvalidErrorPayload", Message: "the function posted an unreadable error"}
		}
		o.res.Error = fe
	default:
		o.res.Payload = body
	}
	inv.finish(o)
	w.WriteHeader(http.StatusOK)
}
