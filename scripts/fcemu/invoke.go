package fcemu

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// Invoke sends event (any bytes; for an HTTP trigger, the event JSON) to the function and waits for
// its result. A function error (/error) is a Result with Error set and a nil error. The error is
// ErrTimeout when no result arrives within Options.Timeout, ErrInstanceExited when the process died
// meanwhile, ErrClosed after Close, or ctx's error; Invoke never waits past the deadline.
func (f *Function) Invoke(ctx context.Context, event []byte) (Result, error) {
	start := time.Now()
	id := newRequestID(f.opts.Now())
	res, err := f.invoke(ctx, nil, event, typeInvoke, id)
	f.opts.Logger.Info("invocation",
		slog.String("requestId", id),
		slog.String("function", f.opts.FunctionName),
		slog.String("outcome", outcomeName(res, err)),
		slog.Int64("durationMs", time.Since(start).Milliseconds()))
	return res, err
}

// invoke runs one invocation on target, or on the current instance (following restarts) when target
// is nil.
func (f *Function) invoke(ctx context.Context, target *instance, event []byte, kind int, id string) (Result, error) {
	none := Result{RequestID: id}
	if kind == typeInvoke {
		select {
		case f.slots <- struct{}{}:
			defer func() { <-f.slots }()
		case <-ctx.Done():
			return none, ctx.Err()
		case <-f.closed:
			return none, ErrClosed
		}
	}
	timeout := f.opts.Timeout
	inv := &invocation{
		id:       id,
		event:    event,
		kind:     kind,
		timeout:  timeout,
		deadline: time.Now().Add(timeout),
		done:     make(chan outcome, 1),
	}
	if f.opts.Credentials != nil {
		ak, sk, tok := f.opts.Credentials()
		inv.creds, inv.hasCreds = [3]string{ak, sk, tok}, true
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	timedOut := func() (Result, error) {
		return none, fmt.Errorf("%w after %v", ErrTimeout, timeout)
	}

	f.mu.Lock()
	f.pending[id] = inv
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		delete(f.pending, id)
		f.mu.Unlock()
	}()

	// Hand the invocation to a process: wait for one that is up and initialised.
	var inst *instance
	for inst == nil {
		cand, changed := target, (<-chan struct{})(nil)
		if cand == nil {
			cand, changed = f.current()
		}
		ready := cand.ready
		if kind == typeInitializer {
			ready = nil // the initializer is what makes it ready
		}
		if ready != nil {
			select {
			case <-ready:
			case <-cand.exited:
			case <-timer.C:
				return timedOut()
			case <-ctx.Done():
				return none, ctx.Err()
			case <-f.closed:
				return none, ErrClosed
			}
		}
		select {
		case cand.queue <- inv:
			inst = cand
			continue
		case <-cand.exited:
		case <-timer.C:
			return timedOut()
		case <-ctx.Done():
			return none, ctx.Err()
		case <-f.closed:
			return none, ErrClosed
		}
		// cand exited before taking the invocation.
		if target != nil {
			return none, fmt.Errorf("%w: %v", ErrInstanceExited, cand.exitErr)
		}
		select {
		case <-changed:
		case <-timer.C:
			if cand.isDead() {
				return none, fmt.Errorf("%w (restart pending): %v", ErrInstanceExited, cand.exitErr)
			}
			return timedOut()
		case <-ctx.Done():
			return none, ctx.Err()
		case <-f.closed:
			return none, ErrClosed
		}
	}
	defer inst.forget(id)

	select {
	case o := <-inv.done:
		return o.res, o.err
	case <-timer.C:
		return timedOut()
	case <-ctx.Done():
		return none, ctx.Err()
	case <-f.closed:
		return none, ErrClosed
	}
}

func outcomeName(res Result, err error) string {
	switch {
	case err != nil:
		return err.Error()
	case res.Error != nil:
		return "function error " + res.Error.Type
	}
	return "ok"
}
